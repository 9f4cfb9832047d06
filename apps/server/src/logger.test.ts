import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: pino(loggerOptions('info'), stream), lines };
}

describe('logs', () => {
  it('redact cookies, authorization, signatures, passwords, tokens, secrets, caller numbers and notes', () => {
    const { log, lines } = capture();
    log.info({
      req: {
        method: 'POST',
        url: '/api/auth/login?token=abc123',
        id: 'r1',
        headers: { cookie: 'korgon_session=s3cr3t', authorization: 'Bearer t0k3n' },
      },
    });
    log.info({ body: { username: 'operator1', password: 'hunter2-password' } });
    log.info({
      event: { callerNumber: '+996555123456', notes: 'she lives at …' },
      user: { token: 'tok-xyz', secret: 'shh' },
    });
    log.info({ body: [{ callerNumber: '+996700000001' }] });
    const out = lines.join('');
    for (const secret of [
      's3cr3t',
      't0k3n',
      'hunter2',
      '+996555123456',
      'she lives',
      'tok-xyz',
      'shh',
      'abc123',
      '+996700000001',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('operator1');
    expect(out).toContain('[redacted]');
    expect(out).toContain('/api/auth/login');
  });
});
