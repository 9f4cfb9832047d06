import { describe, expect, it } from 'vitest';
import { captureLog } from './testing/capture-log';

describe('logger redaction', () => {
  it('blanks caller numbers and secrets wherever a mistake might log them', () => {
    const { log, text } = captureLog();
    log.info({ callerNumber: '+996555000111', event: { callerNumber: '+996555000222' } }, 'a');
    log.info({ events: [{ callerNumber: '+996555000333' }], message: { calleridnum: '0555000444' } }, 'b');
    log.info({ secret: 'ami-secret-value', config: { TELEPHONY_SECRET: 'telephony-secret-value' } }, 'c');
    for (const leaked of [
      '555000111',
      '555000222',
      '555000333',
      '555000444',
      'ami-secret-value',
      'telephony-secret-value',
    ]) {
      expect(text()).not.toContain(leaked);
    }
    expect(text()).toContain('[redacted]');
  });
});
