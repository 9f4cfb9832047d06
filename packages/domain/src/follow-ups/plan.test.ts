import { describe, expect, it } from 'vitest';
import { ConsultationData } from '../consultation/schemas';
import { KG_HOTLINE_RISK_0_1 } from '../risk/kg-hotline-risk-0.1';
import { Methodology } from '../risk/methodology';
import { planFollowUps } from './plan';
import { inWindow, overdueAtOf, raiseTimeOf } from './time';

const m = Methodology.parse(KG_HOTLINE_RISK_0_1);
const op = '00000000-0000-4000-8000-000000000001';
const data = (d: Record<string, unknown>) => ConsultationData.parse(d);
// 2026-03-10 09:00 in Bishkek (UTC+6).
const now = new Date('2026-03-10T03:00:00Z');

describe('the safe window (Asia/Bishkek)', () => {
  const evening = { from: '18:00', to: '20:00' };
  it('keeps a due time inside it and moves one outside it to its next opening', () => {
    expect(raiseTimeOf(new Date('2026-03-10T13:30:00Z'), evening).toISOString()).toBe(
      '2026-03-10T13:30:00.000Z',
    );
    // 09:00 local → 18:00 local the same day (12:00Z).
    expect(raiseTimeOf(now, evening).toISOString()).toBe('2026-03-10T12:00:00.000Z');
    // 21:00 local → 18:00 local the next day.
    expect(raiseTimeOf(new Date('2026-03-10T15:00:00Z'), evening).toISOString()).toBe(
      '2026-03-11T12:00:00.000Z',
    );
  });
  it('handles a window across midnight', () => {
    const night = { from: '22:00', to: '02:00' };
    expect(inWindow(new Date('2026-03-10T19:30:00Z'), night)).toBe(true); // 01:30 local
    expect(inWindow(new Date('2026-03-10T20:30:00Z'), night)).toBe(false); // 02:30 local
    expect(raiseTimeOf(new Date('2026-03-10T20:30:00Z'), night).toISOString()).toBe(
      '2026-03-11T16:00:00.000Z', // 02:30 on the 11th → 22:00 that evening
    );
  });
  it('is overdue when the window closes, or two hours after raising without one', () => {
    expect(overdueAtOf(new Date('2026-03-10T12:00:00Z'), evening).toISOString()).toBe(
      '2026-03-10T14:00:00.000Z',
    );
    expect(overdueAtOf(now, null).toISOString()).toBe('2026-03-10T05:00:00.000Z');
  });
});

describe('planFollowUps', () => {
  it('makes an agreed call-back at its time, inside the window, for the operator', () => {
    const plan = planFollowUps({
      data: data({
        followUp: { agreed: true, due: '2026-03-11T03:00:00Z' },
        safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
      }),
      operatorId: op,
      now,
      risk: null,
      orderCheckinDaysBefore: 5,
    });
    expect(plan).toEqual([
      {
        kind: 'callback',
        source: 'callback',
        dueAt: new Date('2026-03-11T03:00:00Z'),
        raiseAt: new Date('2026-03-11T12:00:00Z'),
        window: { from: '18:00', to: '20:00' },
        assigneeId: op,
      },
    ]);
  });

  it('makes a check-in before a temporary order expires and a reassessment at expiry, for the shift', () => {
    const plan = planFollowUps({
      data: data({ protectionOrder: { has: 'yes', kind: 'temporary', issuedOn: '2026-03-10' } }),
      operatorId: op,
      now,
      risk: null,
      orderCheckinDaysBefore: 5,
    });
    expect(plan.map((p) => [p.kind, p.dueAt.toISOString(), p.assigneeId])).toEqual([
      ['order_checkin', '2026-04-04T04:00:00.000Z', null],
      ['order_reassess', '2026-04-09T04:00:00.000Z', null],
    ]);
    // A court order, or a temporary one that has run out, asks for nothing.
    for (const protectionOrder of [
      { has: 'yes', kind: 'court', issuedOn: '2026-03-10' },
      { has: 'yes', kind: 'temporary', issuedOn: '2026-01-01' },
    ])
      expect(
        planFollowUps({
          data: data({ protectionOrder }),
          operatorId: op,
          now,
          risk: null,
          orderCheckinDaysBefore: 5,
        }),
      ).toEqual([]);
  });

  it('reads timed actions from the methodology data (high: 24 h, medium: 72 h, low: none)', () => {
    const at = (level: string) =>
      planFollowUps({
        data: data({}),
        operatorId: op,
        now,
        risk: { finalLevel: level, actions: m.actions[level] ?? [] },
        orderCheckinDaysBefore: 5,
      }).map((p) => [p.kind, p.source, (p.dueAt.getTime() - now.getTime()) / 3_600_000]);
    expect(at('high')).toEqual([['risk_action', 'follow_up_24h', 24]]);
    expect(at('medium')).toEqual([['risk_action', 'follow_up_72h', 72]]);
    expect(at('low')).toEqual([]);
    // Another methodology's timing is its own: no code names an action.
    const custom = [{ id: 'ring_back', text: { en: 'x', ru: 'x', ky: 'x' }, followUpHours: 6 }];
    expect(
      planFollowUps({
        data: data({}),
        operatorId: op,
        now,
        risk: { finalLevel: 'any', actions: custom },
        orderCheckinDaysBefore: 5,
      }).map((p) => [p.source, p.dueAt.getTime() - now.getTime()]),
    ).toEqual([['ring_back', 6 * 3_600_000]]);
  });

  it('leaves out a timed action that an earlier agreed call-back already covers', () => {
    const plan = planFollowUps({
      data: data({ followUp: { agreed: true, due: '2026-03-10T10:00:00Z' } }),
      operatorId: op,
      now,
      risk: { finalLevel: 'high', actions: m.actions.high ?? [] },
      orderCheckinDaysBefore: 5,
    });
    expect(plan.map((p) => p.kind)).toEqual(['callback']);
  });
});
