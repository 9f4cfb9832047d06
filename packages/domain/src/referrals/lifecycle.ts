import { PartnerAction, REFERRAL_STATUSES, type ReferralStatus } from './schemas';

/**
 * The referral lifecycle (docs/domain.md §7): from each state, the states it may move to. Every `from` set the
 * server, the worker and the database statements use is read from here, so there is one lifecycle.
 * A delivery attempt moves a queued referral straight to delivered (its `sent` step is recorded with it).
 */
export const REFERRAL_LIFECYCLE = {
  draft: [],
  queued: ['sent', 'delivered', 'acknowledged', 'failed', 'escalated', 'revoked'],
  sent: ['delivered', 'acknowledged', 'failed', 'escalated', 'revoked'],
  delivered: ['acknowledged', 'accepted', 'rejected', 'escalated', 'revoked'],
  escalated: ['acknowledged', 'accepted', 'rejected', 'revoked'],
  acknowledged: ['accepted', 'rejected', 'revoked'],
  accepted: ['done', 'revoked'],
  failed: ['queued', 'revoked'],
  rejected: [],
  done: [],
  revoked: [],
} as const satisfies Record<ReferralStatus, readonly ReferralStatus[]>;

/** Whether a referral in `from` may move to `to`. */
export function canMove(from: ReferralStatus, to: ReferralStatus): boolean {
  return (REFERRAL_LIFECYCLE[from] as readonly ReferralStatus[]).includes(to);
}

/** The states a referral may move to `to` from, in the lifecycle's order. */
export function statusesFrom(to: ReferralStatus): ReferralStatus[] {
  return REFERRAL_STATUSES.filter((s) => canMove(s, to));
}

/** The states nothing moves on from: a referral there is closed. */
export const CLOSED_REFERRAL_STATUSES: readonly ReferralStatus[] = REFERRAL_STATUSES.filter(
  (s) => s !== 'draft' && REFERRAL_LIFECYCLE[s].length === 0,
);

/**
 * Taken up by its partner: it may still be revoked, but no longer sent to another partner instead (the
 * partner already holds it and may be acting on it).
 */
export const TAKEN_UP_STATUSES: readonly ReferralStatus[] = ['acknowledged', 'accepted'];

/** The states a referral may be redirected from: revocable, and not yet taken up by its partner. */
export function redirectableFrom(): ReferralStatus[] {
  return statusesFrom('revoked').filter((s) => !TAKEN_UP_STATUSES.includes(s));
}

const PARTNER_MOVES: readonly ReferralStatus[] = PartnerAction.options;

/** What a partner may do next, from each state: the lifecycle's moves that are a partner's. */
export const PARTNER_TRANSITIONS: Record<string, PartnerAction[]> = Object.fromEntries(
  REFERRAL_STATUSES.map((s) => [
    s,
    (REFERRAL_LIFECYCLE[s] as readonly ReferralStatus[]).filter((to) => PARTNER_MOVES.includes(to)),
  ]),
) as Record<string, PartnerAction[]>;
