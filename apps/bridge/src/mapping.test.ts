import { TelephonyEvent } from '@korgon/domain';
import { describe, expect, it } from 'vitest';
import { type AmiMessage, AmiParser } from './ami';
import { EXPECTED } from './fixtures/expected';
import { CallTracker, eventIdOf, eventTime } from './mapping';
import { FIXTURES, type FixtureName, fixtureText } from './testing/fixtures';

const RECEIVED = new Date('2030-01-01T00:00:00.000Z');

function session(name: FixtureName): { banner: string | undefined; messages: AmiMessage[] } {
  const frames = new AmiParser().push(fixtureText(name));
  const banner = frames.find((f) => f.kind === 'banner');
  const messages = frames.flatMap((f) => (f.kind === 'message' ? [f.message] : []));
  return { banner: banner?.kind === 'banner' ? banner.banner : undefined, messages };
}

function mapSession(name: FixtureName): TelephonyEvent[] {
  const tracker = new CallTracker();
  return session(name).messages.flatMap((m) => tracker.map(m, RECEIVED) ?? []);
}

describe('AMI sessions map to Korgon telephony events', () => {
  it.each(FIXTURES)('%s', (name) => {
    const { banner, messages } = session(name);
    expect(banner).toBe('Asterisk Call Manager/7.0.3');
    expect(messages[0]).toMatchObject({ response: 'Success', message: 'Authentication accepted' });
    const events = mapSession(name);
    expect(events).toEqual(EXPECTED[name]);
    for (const e of events) expect(TelephonyEvent.safeParse(e).success).toBe(true);
  });

  it('gives every event of every session a distinct id, and the same ids when a session is mapped again', () => {
    const ids = FIXTURES.flatMap((name) => mapSession(name).map((e) => e.eventId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(FIXTURES.flatMap((name) => mapSession(name).map((e) => e.eventId))).toEqual(ids);
  });
});

describe('CallTracker', () => {
  const join: AmiMessage = { event: 'QueueCallerJoin', uniqueid: 'u1', linkedid: 'u1', queue: '5200' };

  it('ends a call once, whichever of its caller-side channels hangs up', () => {
    const tracker = new CallTracker();
    tracker.map(join, RECEIVED);
    expect(
      tracker.map({ event: 'Hangup', uniqueid: 'u1', linkedid: 'u1', timestamp: '1764061201.5' }, RECEIVED),
    ).toMatchObject({
      type: 'call.ended',
    });
    expect(
      tracker.map({ event: 'Hangup', uniqueid: 'u1', linkedid: 'u1', timestamp: '1764061202.5' }, RECEIVED),
    ).toBeNull();
    expect(tracker.size).toBe(0);
  });

  it('ends a call when its Linkedid channel hangs up (a caller that reached the queue through a Local channel)', () => {
    const tracker = new CallTracker();
    tracker.map({ event: 'QueueCallerJoin', uniqueid: 'local2', linkedid: 'trunk', queue: '5200' }, RECEIVED);
    expect(tracker.map({ event: 'Hangup', uniqueid: 'trunk', linkedid: 'trunk' }, RECEIVED)).toMatchObject({
      callId: 'local2',
      type: 'call.ended',
    });
  });

  it('ignores events of calls it does not follow, and queue events without a queue or id', () => {
    const tracker = new CallTracker();
    expect(tracker.map({ event: 'Hangup', uniqueid: 'x', linkedid: 'x' }, RECEIVED)).toBeNull();
    expect(tracker.map({ event: 'QueueCallerJoin', uniqueid: 'u1' }, RECEIVED)).toBeNull();
    expect(tracker.map({ event: 'QueueCallerJoin', queue: '5200' }, RECEIVED)).toBeNull();
    expect(tracker.map({ event: 'QueueCallerLeave', uniqueid: 'u1', queue: '5200' }, RECEIVED)).toBeNull();
    expect(tracker.map({ response: 'Success' }, RECEIVED)).toBeNull();
  });

  it('follows a call first seen at AgentConnect (its join was missed while disconnected)', () => {
    const tracker = new CallTracker();
    const answered = tracker.map(
      {
        event: 'AgentConnect',
        uniqueid: 'u9',
        linkedid: 'u9',
        queue: '5200',
        membername: 'Operator 7',
        interface: 'Foo',
      },
      RECEIVED,
    );
    // Neither Interface nor MemberName is an extension; nor is there a DestChannel: no extension.
    expect(answered).toMatchObject({ callId: 'u9', type: 'call.answered', line: '5200' });
    expect(answered?.extension).toBeUndefined();
    expect(tracker.map({ event: 'Hangup', uniqueid: 'u9' }, RECEIVED)).toMatchObject({ type: 'call.ended' });
  });

  it('takes the extension from MemberName, then the member channel, when the Interface has none', () => {
    const tracker = new CallTracker();
    tracker.map(join, RECEIVED);
    const base = { event: 'AgentConnect', uniqueid: 'u1', queue: '5200', interface: 'Queue/<x>' };
    expect(tracker.map({ ...base, membername: '110', timestamp: '1' }, RECEIVED)?.extension).toBe('110');
    expect(
      tracker.map({ ...base, destchannel: 'PJSIP/111-0000001f', timestamp: '2' }, RECEIVED)?.extension,
    ).toBe('111');
  });

  it('forgets the oldest call past its bound', () => {
    const tracker = new CallTracker(2);
    for (const id of ['a', 'b', 'c']) tracker.map({ ...join, uniqueid: id, linkedid: id }, RECEIVED);
    expect(tracker.size).toBe(2);
    expect(tracker.map({ event: 'Hangup', uniqueid: 'a' }, RECEIVED)).toBeNull();
    expect(tracker.map({ event: 'Hangup', uniqueid: 'c' }, RECEIVED)).toMatchObject({ callId: 'c' });
  });
});

describe('event time and id', () => {
  const hangup: AmiMessage = { event: 'Hangup', privilege: 'call,all', uniqueid: 'u1', cause: '16' };

  it('uses the Timestamp header, else the time the bridge received the event', () => {
    expect(eventTime({ ...hangup, timestamp: '1764061201.101234' }, RECEIVED)).toBe(
      '2025-11-25T09:00:01.101Z',
    );
    expect(eventTime(hangup, RECEIVED)).toBe('2030-01-01T00:00:00.000Z');
    expect(eventTime({ ...hangup, timestamp: 'soon' }, RECEIVED)).toBe('2030-01-01T00:00:00.000Z');
  });

  it('is stable for the same event and distinct for different ones, with or without Timestamp', () => {
    expect(eventIdOf({ ...hangup, sequencenumber: '42' }, 'u1')).toBe('ami:u1:Hangup:42');
    const a = eventIdOf(hangup, 'u1');
    expect(eventIdOf({ ...hangup }, 'u1')).toBe(a);
    expect(eventIdOf({ ...hangup, cause: '17' }, 'u1')).not.toBe(a);
    expect(a).toMatch(/^ami:u1:Hangup:[0-9a-f]{32}$/);
  });

  it('stays within 128 characters', () => {
    const id = eventIdOf({ ...hangup, timestamp: '1764061201.101234' }, 'x'.repeat(130));
    expect(id.length).toBeLessThanOrEqual(128);
    expect(id).toMatch(/^ami:[0-9a-f]{32}$/);
  });
});
