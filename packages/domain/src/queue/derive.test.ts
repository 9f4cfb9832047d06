import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallEventType } from '../telephony/events';
import { type DerivableEvent, deriveCall } from './derive';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const ev = (type: CallEventType, s: number, extra: Partial<DerivableEvent> = {}): DerivableEvent => ({
  eventId: `${type}-${s}`,
  type,
  at: T0 + s * 1000,
  ...extra,
});

describe('deriveCall', () => {
  it.each([
    ['offered only', [ev('call.offered', 0)], { state: 'waiting', shortAbandoned: false }],
    [
      'answered',
      [ev('call.offered', 0), ev('call.answered', 10, { extension: '101' })],
      { state: 'answered', extension: '101' },
    ],
    [
      'answered then ended',
      [ev('call.offered', 0), ev('call.answered', 10), ev('call.ended', 200)],
      { state: 'ended', endedAt: T0 + 200_000 },
    ],
    [
      'ended unanswered after 5 s',
      [ev('call.offered', 0), ev('call.ended', 5)],
      { state: 'abandoned', shortAbandoned: true },
    ],
    [
      'ended unanswered after 6 s',
      [ev('call.offered', 0), ev('call.ended', 6)],
      { state: 'abandoned', shortAbandoned: false },
    ],
    [
      'abandoned explicitly',
      [ev('call.offered', 0), ev('call.abandoned', 30)],
      { state: 'abandoned', shortAbandoned: false },
    ],
    [
      'transferred',
      [ev('call.offered', 0), ev('call.answered', 3), ev('call.transferred', 60, { extension: '102' })],
      { state: 'transferred', extension: '102' },
    ],
    [
      'transferred then ended',
      [ev('call.offered', 0), ev('call.transferred', 60), ev('call.ended', 90)],
      { state: 'ended' },
    ],
    [
      'no offer: the first event stands in',
      [ev('call.answered', 7), ev('call.ended', 20)],
      { state: 'ended', offeredAt: T0 + 7000 },
    ],
    [
      'events after the end change nothing',
      [ev('call.offered', 0), ev('call.abandoned', 9), ev('call.answered', 12)],
      { state: 'abandoned', answeredAt: null },
    ],
  ] as const)('%s', (_name, events, expected) => {
    expect(deriveCall(events)).toMatchObject(expected);
  });

  it('keeps the first caller hash it sees in time order', () => {
    const d = deriveCall([
      ev('call.answered', 5, { callerHash: 'b' }),
      ev('call.offered', 0, { callerHash: 'a' }),
    ]);
    expect(d.callerHash).toBe('a');
  });

  const eventArb = fc.record({
    eventId: fc.string({ minLength: 1, maxLength: 6 }),
    type: fc.constantFrom<CallEventType>(
      'call.offered',
      'call.answered',
      'call.ended',
      'call.abandoned',
      'call.transferred',
    ),
    at: fc.integer({ min: T0, max: T0 + 600_000 }),
    extension: fc.option(fc.constantFrom('101', '102', '103'), { nil: null }),
    callerHash: fc.option(fc.constantFrom('h1', 'h2'), { nil: null }),
  });

  it('does not depend on the order events arrive in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(eventArb, { selector: (e) => e.eventId, maxLength: 12 }),
        fc.nat(),
        (events, seed) => {
          const shuffled = [...events].sort(
            (a, b) =>
              ((a.eventId.charCodeAt(0) * (seed + 1)) % 7) - ((b.eventId.charCodeAt(0) * (seed + 1)) % 7),
          );
          expect(deriveCall(shuffled)).toEqual(deriveCall(events));
        },
      ),
    );
  });

  it('is not changed by a duplicate delivery', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(eventArb, { selector: (e) => e.eventId, minLength: 1, maxLength: 10 }),
        fc.nat(),
        (events, i) => {
          const dup = events[i % events.length] as DerivableEvent;
          expect(deriveCall([...events, dup])).toEqual(deriveCall(events));
        },
      ),
    );
  });

  it('never calls a call answered without an answer, and a short abandon is always an abandon within 5 s', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 10 }), (events) => {
        const d = deriveCall(events);
        if (d.state === 'answered') expect(d.answeredAt).not.toBeNull();
        if (d.shortAbandoned) {
          expect(d.state).toBe('abandoned');
          expect((d.endedAt ?? 0) - (d.offeredAt ?? 0)).toBeLessThanOrEqual(5000);
        }
        if (d.state === 'ended' || d.state === 'abandoned') expect(d.endedAt).not.toBeNull();
      }),
    );
  });
});

describe('deriveCall of a call Korgon closed as lost', () => {
  const lost = { lost: true };
  it('stays lost while the events say it is still on the line, keeping their times', () => {
    expect(deriveCall([ev('call.offered', 0)], lost)).toMatchObject({ state: 'lost', endedAt: null });
    const late = deriveCall([ev('call.offered', 0), ev('call.answered', 10, { extension: '101' })], lost);
    expect(late).toMatchObject({ state: 'lost', answeredAt: T0 + 10_000, extension: '101' });
  });

  it('gives way to a late real end, which is the truth', () => {
    expect(
      deriveCall([ev('call.offered', 0), ev('call.answered', 10), ev('call.ended', 300)], lost),
    ).toMatchObject({ state: 'ended', endedAt: T0 + 300_000 });
    expect(deriveCall([ev('call.offered', 0), ev('call.abandoned', 40)], lost)).toMatchObject({
      state: 'abandoned',
    });
    expect(deriveCall([ev('call.offered', 0), ev('call.transferred', 40)], lost)).toMatchObject({
      state: 'transferred',
    });
  });

  it('is, for any events, either lost or a state only an end event gives', () => {
    const type = fc.constantFrom<CallEventType>(
      'call.offered',
      'call.answered',
      'call.ended',
      'call.abandoned',
      'call.transferred',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(type, fc.nat(600)), { maxLength: 8 }), (raw) => {
        const events = raw.map(([t, s], i) => ({ ...ev(t, s), eventId: `e${i}` }));
        const d = deriveCall(events, lost);
        const plain = deriveCall(events);
        if (plain.state === 'waiting' || plain.state === 'answered') expect(d.state).toBe('lost');
        else expect(d).toEqual(plain);
      }),
    );
  });
});
