import { describe, expect, it } from 'vitest';
import { fixtureText } from '../testing/fixtures';
import { type AmiFrame, AmiParser, AmiProtocolError, formatAction } from './parser';

const WIRE =
  'Asterisk Call Manager/7.0.3\r\nResponse: Success\r\nActionID: korgon-1\r\nMessage: Authentication accepted\r\n\r\nEvent: Hangup\r\nPrivilege: call,all\r\nAccountCode: \r\nCause-txt: Normal: Clearing\r\nUniqueID: 1.2\r\n\r\n';

const EXPECTED: AmiFrame[] = [
  { kind: 'banner', banner: 'Asterisk Call Manager/7.0.3' },
  {
    kind: 'message',
    message: { response: 'Success', actionid: 'korgon-1', message: 'Authentication accepted' },
  },
  {
    kind: 'message',
    message: {
      event: 'Hangup',
      privilege: 'call,all',
      accountcode: '',
      'cause-txt': 'Normal: Clearing',
      uniqueid: '1.2',
    },
  },
];

describe('AmiParser', () => {
  it('reads the banner, then messages; lower-cases names, keeps values (colons included)', () => {
    expect(new AmiParser().push(WIRE)).toEqual(EXPECTED);
  });

  it('gives the same frames however the stream is cut', () => {
    for (let size = 1; size <= 7; size++) {
      const parser = new AmiParser();
      const frames: AmiFrame[] = [];
      for (let i = 0; i < WIRE.length; i += size) frames.push(...parser.push(WIRE.slice(i, i + size)));
      expect(frames).toEqual(EXPECTED);
    }
  });

  it('accepts bare LF line ends', () => {
    expect(new AmiParser().push(WIRE.replaceAll('\r\n', '\n'))).toEqual(EXPECTED);
  });

  it('holds back a message until its blank line arrives', () => {
    const parser = new AmiParser();
    expect(parser.push('Asterisk Call Manager/7.0.3\r\nEvent: Hangup\r\nUniqueid: 1.2\r\n')).toHaveLength(1);
    expect(parser.push('\r\n')).toEqual([{ kind: 'message', message: { event: 'Hangup', uniqueid: '1.2' } }]);
  });

  it('reads every message of a recorded session', () => {
    const frames = new AmiParser().push(fixtureText('queue-answered'));
    expect(frames.filter((f) => f.kind === 'message')).toHaveLength(13);
  });

  it('treats a header named like an Object property as a plain header', () => {
    const [frame] = new AmiParser().push('Event: X\r\nconstructor: a\r\n__proto__: b\r\n\r\n');
    expect(frame).toEqual({ kind: 'message', message: { event: 'X', constructor: 'a', ['__proto__']: 'b' } });
  });

  it('refuses a runaway line', () => {
    expect(() => new AmiParser().push('x'.repeat(70_000))).toThrow(AmiProtocolError);
  });
});

describe('formatAction', () => {
  it('writes CRLF lines and a closing blank line', () => {
    expect(formatAction('Login', { ActionID: '1', Username: 'korgon', Secret: 's', Events: 'on' })).toBe(
      'Action: Login\r\nActionID: 1\r\nUsername: korgon\r\nSecret: s\r\nEvents: on\r\n\r\n',
    );
  });

  it('refuses a value that would inject headers', () => {
    expect(() => formatAction('Login', { Secret: 'x\r\nAction: Originate' })).toThrow(AmiProtocolError);
  });
});
