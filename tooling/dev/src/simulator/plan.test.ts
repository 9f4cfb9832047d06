import { deriveCall, E164, SHORT_ABANDON_SECONDS } from '@korgon/domain';
import { describe, expect, it } from 'vitest';
import { createCallerPool } from './callers';
import { createPlanner, DEFAULT_PLAN } from './plan';
import { createRandom } from './random';

const settings = {
  ...DEFAULT_PLAN,
  runId: 'test',
  line: '5200',
  extensions: ['101', '102', '103'],
  transferTo: ['110'],
  callsPerExtension: 2,
  transferShare: 0.2,
};

function day(seed: string, n = 400) {
  const planner = createPlanner(createRandom(`${seed}:plan`), settings);
  const pool = createCallerPool(createRandom(`${seed}:callers`), {
    size: 50,
    repeatShare: 0.3,
    hiddenShare: 0.05,
  });
  const arrivals = createRandom(`${seed}:arrivals`);
  let t = Date.UTC(2026, 10, 25, 8);
  return Array.from({ length: n }, () => {
    t += arrivals.exponential(20_000);
    return planner.plan(t, pool.next());
  });
}

describe('the simulator’s traffic model', () => {
  it('is the same for the same seed and differs for another', () => {
    const strip = (calls: ReturnType<typeof day>) => calls.map((c) => c.events.map((e) => e.event));
    expect(strip(day('a'))).toEqual(strip(day('a')));
    expect(strip(day('a'))).not.toEqual(strip(day('b')));
  });

  it('makes calls whose expected outcome is what the contract’s fold gives', () => {
    const calls = day('fold');
    for (const c of calls) {
      const d = deriveCall(
        c.events.map((e) => ({
          eventId: e.event.eventId,
          type: e.event.type,
          at: Date.parse(e.event.at),
          extension: e.event.extension ?? null,
        })),
      );
      expect({ state: d.state, extension: d.extension, shortAbandoned: d.shortAbandoned }).toEqual({
        state: c.expected.state,
        extension: c.expected.extension,
        shortAbandoned: c.expected.shortAbandoned,
      });
    }
    const count = (f: (c: (typeof calls)[number]) => boolean) => calls.filter(f).length;
    expect(count((c) => c.expected.answered)).toBeGreaterThan(20);
    expect(count((c) => c.expected.state === 'abandoned' && c.expected.shortAbandoned)).toBeGreaterThan(5);
    expect(count((c) => c.expected.state === 'abandoned' && !c.expected.shortAbandoned)).toBeGreaterThan(5);
    expect(count((c) => c.expected.transferred)).toBeGreaterThan(0);
    expect(count((c) => c.caller.repeat)).toBeGreaterThan(10);
    expect(count((c) => c.caller.number === null)).toBeGreaterThan(0);
  });

  it('uses valid Kyrgyz mobile numbers, only on the offer, and never more seats than there are', () => {
    const calls = day('numbers');
    for (const c of calls) {
      for (const e of c.events) {
        if (e.event.type === 'call.offered' && c.caller.number) {
          expect(E164.safeParse(e.event.callerNumber).success).toBe(true);
          expect(e.event.callerNumber).toMatch(/^\+996(55|70|77|50|22|99)\d{7}$/);
        } else expect(e.event.callerNumber).toBeUndefined();
      }
    }
    // At any answered moment, an extension holds at most callsPerExtension calls.
    const spans = calls
      .filter((c) => c.expected.answered && !c.expected.transferred)
      .map((c) => ({
        ext: c.expected.extension,
        from: c.events[1]?.atMs ?? 0,
        to: c.events.at(-1)?.atMs ?? 0,
      }));
    for (const s of spans) {
      const overlapping = spans.filter((o) => o.ext === s.ext && o.from <= s.from && o.to > s.from);
      expect(overlapping.length).toBeLessThanOrEqual(settings.callsPerExtension);
    }
  });

  it('hangs up a call in progress: abandoned when waiting, ended when answered', () => {
    const planner = createPlanner(createRandom('hang'), { ...settings, shortAbandonShare: 0 });
    const pool = createCallerPool(createRandom('hang:callers'), {
      size: 5,
      repeatShare: 0,
      hiddenShare: 0,
    });
    const t = Date.UTC(2026, 10, 25, 8);
    const call = planner.plan(t, pool.next());
    const waiting = structuredClone(call);
    expect(planner.hangUp(waiting, t + 1000).map((e) => e.event.type)).toEqual(['call.abandoned']);
    expect(waiting.expected).toMatchObject({ state: 'abandoned', shortAbandoned: true });
    if (call.expected.answered) {
      const answeredAt = call.events[1]?.atMs ?? t;
      const talking = structuredClone(call);
      expect(planner.hangUp(talking, answeredAt + 1000).map((e) => e.event.type)).toEqual(['call.ended']);
      expect(talking.expected.state).toBe('ended');
    }
    expect(SHORT_ABANDON_SECONDS).toBe(5);
  });
});
