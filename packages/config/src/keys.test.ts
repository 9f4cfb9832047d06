import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, SECRET_KEYS, SECRET_REDACT_PATHS } from './index';

const b64 = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/korgon',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ...Object.fromEntries(SECRET_KEYS.map((k) => [k, b64(7)])),
  NOTES_ENCRYPTION_KEY: b64(3),
  CALLER_HMAC_KEY: 'c3'.repeat(20),
};

/** The problems a configuration is refused with, one per line. */
function refused(env: Record<string, string>): string {
  try {
    parseEnv({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  return expect.unreachable('the configuration was accepted') as never;
}

describe('the notes keyring configuration', () => {
  it('has no old keys by default, version 1', () => {
    const env = parseEnv(base);
    expect(env.NOTES_KEY_VERSION).toBe(1);
    expect(env.NOTES_ENCRYPTION_KEYS_OLD).toEqual([]);
  });

  it('reads the old keys as version:base64, comma-separated', () => {
    const env = parseEnv({
      ...base,
      NOTES_KEY_VERSION: '3',
      NOTES_ENCRYPTION_KEYS_OLD: ` 1:${b64(1)}, 2:${b64(2)} `,
    });
    expect(env.NOTES_ENCRYPTION_KEYS_OLD).toEqual([
      { version: 1, key: b64(1) },
      { version: 2, key: b64(2) },
    ]);
  });

  it('refuses malformed entries, naming the entry and never echoing a key', () => {
    const bad = refused({ NOTES_KEY_VERSION: '2', NOTES_ENCRYPTION_KEYS_OLD: `${b64(1)}` });
    expect(bad).toMatch(/^NOTES_ENCRYPTION_KEYS_OLD entry 1 must be <version>:<base64 key>/);
    expect(bad).not.toContain(b64(1));
    const short = refused({ NOTES_KEY_VERSION: '2', NOTES_ENCRYPTION_KEYS_OLD: '1:c2hvcnQ=' });
    expect(short).toMatch(/entry 1 \(version 1\): the key must be 32 bytes/);
    expect(short).not.toContain('c2hvcnQ=');
    expect(refused({ NOTES_KEY_VERSION: '3', NOTES_ENCRYPTION_KEYS_OLD: `1:${b64(1)},1:${b64(2)}` })).toMatch(
      /names version 1 twice/,
    );
  });

  it('refuses the usual slips of a rotation: the current version listed as old, or the key not changed', () => {
    expect(refused({ NOTES_KEY_VERSION: '2', NOTES_ENCRYPTION_KEYS_OLD: `2:${b64(1)}` })).toMatch(
      /^NOTES_ENCRYPTION_KEYS_OLD names version 2, which is NOTES_KEY_VERSION/,
    );
    const same = refused({ NOTES_KEY_VERSION: '2', NOTES_ENCRYPTION_KEYS_OLD: `1:${b64(3)}` });
    expect(same).toMatch(/holds the current NOTES_ENCRYPTION_KEY as version 1: generate a new key/);
    expect(same).not.toContain(b64(3));
  });
});

describe('the caller HMAC keyring configuration', () => {
  const oldKey = 'old-caller-key-'.repeat(3);

  it('reads version:key:day entries (a key may hold colons)', () => {
    const env = parseEnv({
      ...base,
      CALLER_HMAC_KEY_VERSION: '2',
      CALLER_HMAC_KEYS_OLD: `1:${oldKey}:x:2026-11-01`,
    });
    expect(env.CALLER_HMAC_KEY_VERSION).toBe(2);
    expect(env.CALLER_HMAC_KEYS_OLD).toEqual([
      { version: 1, key: `${oldKey}:x`, retiredAt: new Date('2026-11-01T00:00:00Z') },
    ]);
    expect(parseEnv(base).CALLER_HMAC_KEYS_OLD).toEqual([]);
  });

  it('refuses an entry without its day, a bad day, a day to come, a short key, or the current version', () => {
    const noDay = refused({ CALLER_HMAC_KEY_VERSION: '2', CALLER_HMAC_KEYS_OLD: `1:${oldKey}` });
    expect(noDay).toMatch(/^CALLER_HMAC_KEYS_OLD entry 1 /);
    expect(noDay).not.toContain(oldKey);
    expect(refused({ CALLER_HMAC_KEY_VERSION: '2', CALLER_HMAC_KEYS_OLD: `1:${oldKey}:2026-13-45` })).toMatch(
      /the day it was retired must be a date, YYYY-MM-DD/,
    );
    expect(refused({ CALLER_HMAC_KEY_VERSION: '2', CALLER_HMAC_KEYS_OLD: `1:${oldKey}:2999-01-01` })).toMatch(
      /2999-01-01 is in the future/,
    );
    expect(refused({ CALLER_HMAC_KEY_VERSION: '2', CALLER_HMAC_KEYS_OLD: '1:short:2026-11-01' })).toMatch(
      /at least 32 characters/,
    );
    expect(refused({ CALLER_HMAC_KEY_VERSION: '2', CALLER_HMAC_KEYS_OLD: `2:${oldKey}:2026-11-01` })).toMatch(
      /names version 2, which is CALLER_HMAC_KEY_VERSION/,
    );
    expect(
      refused({ CALLER_HMAC_KEY_VERSION: '2', CALLER_HMAC_KEYS_OLD: `1:${base.CALLER_HMAC_KEY}:2026-11-01` }),
    ).toMatch(/holds the current CALLER_HMAC_KEY as version 1/);
  });

  it('names the new variables among the log paths redacted', () => {
    for (const name of [
      'NOTES_ENCRYPTION_KEY',
      'NOTES_ENCRYPTION_KEYS_OLD',
      'CALLER_HMAC_KEY',
      'CALLER_HMAC_KEYS_OLD',
    ])
      expect(SECRET_REDACT_PATHS).toContain(`*.${name}`);
  });
});
