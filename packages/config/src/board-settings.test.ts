import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv, SECRET_KEYS } from './index';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/korgon',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ...Object.fromEntries(SECRET_KEYS.map((k) => [k, Buffer.alloc(32, 7).toString('base64')])),
};

describe('the board settings', () => {
  it('default to a 20-second service level and shifts at 08:00 and 20:00', () => {
    const env = parseEnv(base);
    expect(env.BOARD_SERVICE_LEVEL_SECONDS).toBe(20);
    expect(env.BOARD_SHIFTS).toEqual(['08:00', '20:00']);
  });

  it('take shift start times in any order, with spaces, once each', () => {
    expect(parseEnv({ ...base, BOARD_SHIFTS: '22:00, 06:00,14:00,06:00' }).BOARD_SHIFTS).toEqual([
      '06:00',
      '14:00',
      '22:00',
    ]);
  });

  it('name a bad value', () => {
    for (const [key, value] of [
      ['BOARD_SHIFTS', '8:00,20:00'],
      ['BOARD_SHIFTS', '08:00;20:00'],
      ['BOARD_SHIFTS', '24:00'],
      ['BOARD_SERVICE_LEVEL_SECONDS', '0'],
    ] as const) {
      try {
        parseEnv({ ...base, [key]: value });
        expect.unreachable(`${key}=${value} was accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems.join('\n')).toMatch(new RegExp(`^${key} `));
      }
    }
  });
});
