import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ensureLocalSecrets, parseEnv, SECRET_KEYS } from '@korgon/config';
import { describe, expect, it } from 'vitest';

const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, Buffer.alloc(32, 7).toString('base64')]));
const url = 'postgres://postgres@127.0.0.1:5432/korgon';
const redis = 'redis://127.0.0.1:6379';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('defaults PORT to 8080 and accepts a complete environment', () => {
    const env = parseEnv({ DATABASE_URL: url, REDIS_URL: redis, ...secrets });
    expect(env.PORT).toBe(8080);
    expect(env.REDIS_PREFIX).toBe('korgon');
    expect(env.JOB_BACKOFF_MS).toBe(2000);
  });

  it('in production names each missing secret and refuses to start', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DATABASE_URL: url, REDIS_URL: redis });
    for (const key of SECRET_KEYS)
      expect(problems).toContain(`${key} is required in production and is not set`);
    expect(problems).toHaveLength(SECRET_KEYS.length);
  });

  it('gives one clear message per bad value', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'http://127.0.0.1:6379',
      REDIS_PREFIX: 'a prefix with spaces',
      PORT: 'eighty',
      ...secrets,
      NOTES_ENCRYPTION_KEY: 'short',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL must be a postgres:\/\/ URL/),
        expect.stringMatching(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/),
        expect.stringMatching(/^REDIS_PREFIX must be 1 to 64 letters/),
        expect.stringMatching(/^PORT /),
        expect.stringMatching(/^NOTES_ENCRYPTION_KEY must be 32 bytes, base64-encoded/),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('needs to know where Redis is', () => {
    expect(problemsOf({ DATABASE_URL: url, ...secrets })).toEqual(['REDIS_URL is required and is not set']);
  });

  it('generates missing local secrets once into a private file and keeps them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'korgon-cfg-')), '.env.local');
    const first = ensureLocalSecrets({}, file);
    const second = ensureLocalSecrets({}, file);
    for (const key of SECRET_KEYS) {
      if (process.env[key]) continue;
      expect(first[key]?.length).toBeGreaterThanOrEqual(32);
      expect(second[key]).toBe(first[key]);
    }
    expect(readFileSync(file, 'utf8')).toMatch(/Never commit this file/);
    expect(statSync(file).mode & 0o077).toBe(0);
  });
});
