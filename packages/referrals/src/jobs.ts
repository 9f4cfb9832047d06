import { DEFAULT_ESCALATION_MINUTES, escalationJob, type JobRequest } from '@korgon/domain';
import type { Queryable } from './types';

/**
 * Stores an urgent referral's escalation deadline (its partner type's minutes, or the default, from now) on
 * the connection that writes the referral, and returns the delayed job to add once that has committed.
 */
export async function escalationDeadline(
  q: Queryable,
  referralId: string,
  partnerType: string,
): Promise<JobRequest<'referral.escalate'>> {
  const { rows } = await q.query<{ escalate_at: Date }>(
    `UPDATE referrals SET escalate_at = now() + make_interval(mins => coalesce(
        (SELECT escalation_minutes FROM partner_type_settings WHERE type = $2::partner_type), $3))
      WHERE id = $1 RETURNING escalate_at`,
    [referralId, partnerType, DEFAULT_ESCALATION_MINUTES],
  );
  const at = rows[0]?.escalate_at;
  if (!at) throw new Error(`referral ${referralId} is not written yet`);
  return escalationJob(referralId, at);
}
