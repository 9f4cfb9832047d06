import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, SECRET_KEYS } from './index';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/korgon',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ...Object.fromEntries(SECRET_KEYS.map((k) => [k, Buffer.alloc(32, 7).toString('base64')])),
};

describe('the statistics settings', () => {
  it('publish counts from 10 by default, and from any k of at least 3', () => {
    expect(parseEnv(base).STATISTICS_MIN_CELL).toBe(10);
    expect(parseEnv({ ...base, STATISTICS_MIN_CELL: '3' }).STATISTICS_MIN_CELL).toBe(3);
    expect(parseEnv({ ...base, STATISTICS_MIN_CELL: '20' }).STATISTICS_MIN_CELL).toBe(20);
  });

  it('refuse to start with a k below 3, or not a whole number, saying why', () => {
    for (const value of ['2', '0', '-5', '4.5', 'ten']) {
      try {
        parseEnv({ ...base, STATISTICS_MIN_CELL: value });
        expect.unreachable(`STATISTICS_MIN_CELL=${value} was accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems.join('\n')).toMatch(/^STATISTICS_MIN_CELL /);
      }
    }
    expect(() => parseEnv({ ...base, STATISTICS_MIN_CELL: '2' })).toThrow(
      /STATISTICS_MIN_CELL must be at least 3: smaller counts could point at a caller/,
    );
  });
});
