import { describe, expect, it } from 'vitest';
import { extensionFromChannel, extensionFromInterface, toE164 } from './normalise';

describe('toE164 (Kyrgyz numbering)', () => {
  it.each([
    ['0555123456', '+996555123456'],
    ['555123456', '+996555123456'],
    ['996555123456', '+996555123456'],
    ['+996555123456', '+996555123456'],
    ['00996555123456', '+996555123456'],
    ['0312 90-01-00', '+996312900100'],
    ['(0555) 123 456', '+996555123456'],
    ['+77011234567', '+77011234567'],
    ['0077011234567', '+77011234567'],
  ])('%s → %s', (raw, e164) => {
    expect(toE164(raw)).toBe(e164);
  });

  it.each([
    'anonymous',
    'Anonymous',
    '<unknown>',
    '',
    undefined,
    '101',
    '5200',
    '05551234',
    '99655512345',
    '+0555123456',
    '+12',
    'sip:555123456@trunk',
  ])('%s → no number', (raw) => {
    expect(toE164(raw)).toBeUndefined();
  });
});

describe('extensions', () => {
  it.each([
    ['PJSIP/101', '101'],
    ['SIP/101', '101'],
    ['IAX2/2001', '2001'],
    ['Local/101@from-queue/n', '101'],
    ['Local/101@from-queue', '101'],
    ['Agent/1001', '1001'],
    ['PJSIP/op-101', 'op-101'],
  ])('interface %s → %s', (iface, ext) => {
    expect(extensionFromInterface(iface)).toBe(ext);
  });

  it.each(['', 'PJSIP', 'Queue/<unknown>', 'Custom:101', undefined])('interface %s → none', (iface) => {
    expect(extensionFromInterface(iface)).toBeUndefined();
  });

  it.each([
    ['PJSIP/101-0000002a', '101'],
    ['SIP/103-00000065', '103'],
    ['Local/105@from-queue-00000007;1', '105'],
    ['PJSIP/op-101-0000002a', 'op-101'],
  ])('channel %s → %s', (channel, ext) => {
    expect(extensionFromChannel(channel)).toBe(ext);
  });
});
