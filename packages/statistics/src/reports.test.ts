import { describe, expect, it } from 'vitest';
import { publishQueue, type QueueCounts } from './reports';

/**
 * The queue figures' derived values under disclosure control (docs/statistics.md "Queue, referrals and
 * follow-ups"): a service level or AHT that would give a small count back is hidden.
 */

const K = 10;
const day = [{ from: '2025-03-01', to: '2025-03-01' }];
const options = { by: 'day' as const, thresholdSeconds: 20, k: K };

/**
 * A day's counts: 60 calls offered, all answered and ended unless said otherwise; the service level worked out
 * from them as the board does (within ÷ (answered + abandoned − short-abandoned)).
 */
function counts(over: Partial<Omit<QueueCounts, 'serviceLevel'>>): QueueCounts {
  const m = {
    offered: 60,
    answered: 60,
    abandoned: 0,
    shortAbandoned: 0,
    lost: 0,
    answeredWithinThreshold: 30,
    asaSeconds: 12,
    ahtSeconds: 300,
    handled: 60,
    ...over,
  };
  const base = m.answered + m.abandoned - m.shortAbandoned;
  return { ...m, serviceLevel: base > 0 ? m.answeredWithinThreshold / base : null };
}

const first = (m: QueueCounts) => {
  const p = publishQueue(day, [m], options).periods[0];
  if (!p) throw new Error('no period published');
  return p;
};

describe('the service level', () => {
  it('is published when the calls answered in time and those not are both 0 or at least k', () => {
    expect(first(counts({ answeredWithinThreshold: 30 })).serviceLevel).toEqual({
      value: 0.5,
      suppressed: false,
    });
    // All in time: base − within is 0, which is published (nobody), so the share is too.
    expect(first(counts({ answeredWithinThreshold: 60 })).serviceLevel).toEqual({
      value: 1,
      suppressed: false,
    });
    expect(first(counts({ answeredWithinThreshold: 0 })).serviceLevel).toEqual({
      value: 0,
      suppressed: false,
    });
  });

  it('is hidden when the calls answered in time are 1..k−1 (share × the published base gives them back)', () => {
    const p = first(counts({ answeredWithinThreshold: 3 }));
    // The base (answered + abandoned − short-abandoned) is published: 60.
    expect(p.answered).toEqual({ value: 60, suppressed: false });
    expect(p.serviceLevel).toEqual({ value: null, suppressed: true });
  });

  it('is hidden when the calls not answered in time (base − within) are 1..k−1', () => {
    expect(first(counts({ answeredWithinThreshold: 55 })).serviceLevel).toEqual({
      value: null,
      suppressed: true,
    });
    // With abandoned calls in the base: 40 answered + 20 abandoned − 0 short = 60, 52 in time: 8 not.
    expect(
      first(counts({ offered: 60, answered: 40, abandoned: 20, handled: 40, answeredWithinThreshold: 52 }))
        .serviceLevel,
    ).toEqual({ value: null, suppressed: true });
  });

  it('over no call at all is none, not hidden', () => {
    const p = first(
      counts({
        offered: 0,
        answered: 0,
        handled: 0,
        answeredWithinThreshold: 0,
        asaSeconds: null,
        ahtSeconds: null,
      }),
    );
    expect(p.serviceLevel).toEqual({ value: null, suppressed: false });
  });
});

describe('the average handling time', () => {
  it('is hidden unless at least k calls have ended, whatever the calls answered', () => {
    // 40 answered, only 6 of them ended: the mean is over those 6.
    const p = first(counts({ answered: 40, offered: 40, answeredWithinThreshold: 20, handled: 6 }));
    expect(p.answered).toEqual({ value: 40, suppressed: false });
    expect(p.asaSeconds).toEqual({ value: 12, suppressed: false });
    expect(p.ahtSeconds).toEqual({ value: null, suppressed: true });
  });

  it('is published over at least k ended calls', () => {
    const p = first(counts({ answered: 40, offered: 40, answeredWithinThreshold: 20, handled: K }));
    expect(p.ahtSeconds).toEqual({ value: 300, suppressed: false });
  });
});
