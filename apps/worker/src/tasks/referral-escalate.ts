import { type JobData, statusesFrom } from '@korgon/domain';
import { type ReferralPush, referralRows, transition } from '@korgon/referrals';
import type { SealKey } from '@korgon/signing';
import type pg from 'pg';
import { publishReferral } from '../push';

/**
 * An urgent referral nobody acknowledged in time: escalated. The push kicks the alerts sync, which raises the
 * supervisors' referral_escalated alert (docs/board.md); the board offers the next suitable partner.
 */
export function referralEscalate(pool: pg.Pool, key: SealKey, push: ReferralPush) {
  return async ({ referralId }: JobData<'referral.escalate'>): Promise<void> => {
    const [r] = await referralRows(pool, [referralId]);
    if (r?.urgency !== 'urgent') return;
    const moved = await transition(pool, referralId, 'escalated', {
      from: statusesFrom('escalated'),
      actor: 'worker',
      note: 'not acknowledged in time',
    });
    if (!moved) return;
    await publishReferral(pool, key, push, referralId);
  };
}
