import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const GOOD = {
  AMI_HOST: 'pbx.internal',
  AMI_USERNAME: 'korgon',
  AMI_SECRET: 'manager-secret',
  KORGON_URL: 'https://korgon.example.kg',
  TELEPHONY_SECRET: 'x'.repeat(32),
};

describe('loadConfig', () => {
  it('parses a good environment with defaults', () => {
    expect(loadConfig(GOOD)).toEqual({ ...GOOD, AMI_PORT: 5038, LOG_LEVEL: 'info' });
    expect(loadConfig({ ...GOOD, AMI_PORT: '15038', LOG_LEVEL: 'debug' })).toMatchObject({
      AMI_PORT: 15038,
      LOG_LEVEL: 'debug',
    });
  });

  it('names every bad or missing key at once, never echoing a secret', () => {
    let error: unknown;
    try {
      loadConfig({
        AMI_HOST: '',
        AMI_PORT: 'eighty',
        AMI_SECRET: 'line1\nline2',
        KORGON_URL: 'ftp://korgon',
        TELEPHONY_SECRET: 'too-short-secret',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual(
      [
        'AMI_HOST',
        'AMI_PORT',
        'AMI_SECRET',
        'AMI_USERNAME',
        'KORGON_URL',
        'LOG_LEVEL',
        'TELEPHONY_SECRET',
      ].sort(),
    );
    expect(problems.find((p) => p.startsWith('AMI_HOST'))).toBe('AMI_HOST is required and is not set');
    expect((error as ConfigError).message).not.toContain('too-short-secret');
    expect((error as ConfigError).message).not.toContain('line1');
  });
});
