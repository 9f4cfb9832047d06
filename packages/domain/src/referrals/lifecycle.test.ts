import { describe, expect, it } from 'vitest';
import {
  CLOSED_REFERRAL_STATUSES,
  canMove,
  PARTNER_TRANSITIONS,
  REFERRAL_LIFECYCLE,
  redirectableFrom,
  statusesFrom,
} from './lifecycle';
import { REFERRAL_STATUSES } from './schemas';

describe('the referral lifecycle', () => {
  it('names every state, and moves only to states it names, never to itself', () => {
    expect(Object.keys(REFERRAL_LIFECYCLE).sort()).toEqual([...REFERRAL_STATUSES].sort());
    for (const [from, tos] of Object.entries(REFERRAL_LIFECYCLE))
      for (const to of tos) {
        expect(REFERRAL_STATUSES).toContain(to);
        expect(to).not.toBe(from);
      }
  });

  it('gives each move its from-states (docs/domain.md §7)', () => {
    expect(statusesFrom('failed')).toEqual(['queued', 'sent']);
    expect(statusesFrom('delivered')).toEqual(['queued', 'sent']);
    expect(statusesFrom('escalated')).toEqual(['queued', 'sent', 'delivered']);
    expect(statusesFrom('queued')).toEqual(['failed']);
    expect(statusesFrom('revoked')).toEqual([
      'queued',
      'sent',
      'delivered',
      'acknowledged',
      'accepted',
      'failed',
      'escalated',
    ]);
    expect(statusesFrom('done')).toEqual(['accepted']);
  });

  it('says whether one state may move to another', () => {
    expect(canMove('failed', 'queued')).toBe(true);
    expect(canMove('done', 'revoked')).toBe(false);
    expect(canMove('sent', 'accepted')).toBe(false);
    expect(canMove('escalated', 'accepted')).toBe(true);
  });

  it('redirects only what its partner has not taken up', () => {
    expect(redirectableFrom()).toEqual(['queued', 'sent', 'delivered', 'failed', 'escalated']);
  });

  it('closes a referral where nothing moves on', () => {
    expect([...CLOSED_REFERRAL_STATUSES].sort()).toEqual(['done', 'rejected', 'revoked']);
  });

  it('lets a partner make only its own moves, from where the lifecycle allows them', () => {
    expect(PARTNER_TRANSITIONS.queued).toEqual(['acknowledged']);
    expect(PARTNER_TRANSITIONS.delivered).toEqual(['acknowledged', 'accepted', 'rejected']);
    expect(PARTNER_TRANSITIONS.accepted).toEqual(['done']);
    expect(PARTNER_TRANSITIONS.failed).toEqual([]);
    for (const [from, actions] of Object.entries(PARTNER_TRANSITIONS))
      for (const to of actions) expect(canMove(from as (typeof REFERRAL_STATUSES)[number], to)).toBe(true);
  });
});
