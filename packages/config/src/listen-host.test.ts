import { describe, expect, it } from 'vitest';
import { listenHostOf } from './index';

describe('the address the server listens on', () => {
  it('is this machine only outside production, every interface in production, and HOST when set', () => {
    expect(listenHostOf({ NODE_ENV: 'development', HOST: undefined })).toBe('127.0.0.1');
    expect(listenHostOf({ NODE_ENV: 'test', HOST: undefined })).toBe('127.0.0.1');
    expect(listenHostOf({ NODE_ENV: 'production', HOST: undefined })).toBe('0.0.0.0');
    expect(listenHostOf({ NODE_ENV: 'development', HOST: '0.0.0.0' })).toBe('0.0.0.0');
    expect(listenHostOf({ NODE_ENV: 'production', HOST: '127.0.0.1' })).toBe('127.0.0.1');
  });
});
