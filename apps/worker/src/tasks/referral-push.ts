import { rooms } from '@korgon/domain';
import type { Broadcast } from '@korgon/queue';
import { partnerView, type ReferralPush, referralRows, staffViews } from '@korgon/referrals';
import type { SealKey } from '@korgon/signing';
import type pg from 'pg';

/** The worker's way to tell consoles and partner portals, through the servers' adapter channel. */
export function createWorkerReferralPush(broadcast: Broadcast): ReferralPush {
  return {
    staff: (r, createdBy) =>
      broadcast([rooms.user(createdBy), rooms.role('supervisor')], 'referral:changed', r),
    partner: (org, r) => broadcast([rooms.partner(org)], 'partner:referral', r),
    alert: (a) => broadcast([rooms.role('supervisor')], 'alert:referral', a),
  };
}

export async function publishReferral(
  pool: pg.Pool,
  key: SealKey,
  push: ReferralPush,
  id: string,
): Promise<void> {
  const [view] = await staffViews(pool, key, [id]);
  const [row] = await referralRows(pool, [id]);
  if (view) push.staff(view, view.createdBy.id);
  if (row && row.status !== 'queued' && row.status !== 'revoked')
    push.partner(row.partner_org_id, partnerView(key, row));
}
