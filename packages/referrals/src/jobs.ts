import { DEFAULT_ESCALATION_MINUTES, REFERRAL_DELIVERY_ATTEMPTS } from '@korgon/domain';
import type { Queryable } from './types';

export const DELIVER_TASK = 'referral_deliver';
export const ESCALATE_TASK = 'referral_escalate';

/**
 * Adds the delivery job on the same connection as the referral row, so both commit or neither does. The job
 * carries only the referral id. graphile-worker retries with exponential backoff.
 */
export async function addDeliveryJob(
  q: Queryable,
  referralId: string,
  urgency: string,
  maxAttempts = REFERRAL_DELIVERY_ATTEMPTS,
): Promise<void> {
  await q.query(
    `SELECT graphile_worker.add_job($1, json_build_object('referralId', $2::text), job_key := 'deliver:' || $2,
                                    max_attempts := $3, priority := $4)`,
    [DELIVER_TASK, referralId, maxAttempts, urgency === 'urgent' ? 0 : 10],
  );
}

/** An urgent referral not acknowledged in time is escalated by a delayed job; acknowledging removes it. */
export async function addEscalationJob(q: Queryable, referralId: string, partnerType: string): Promise<void> {
  await q.query(
    `SELECT graphile_worker.add_job($1, json_build_object('referralId', $2::text), job_key := 'escalate:' || $2,
                                    run_at := now() + make_interval(mins => coalesce(
                                      (SELECT escalation_minutes FROM partner_type_settings WHERE type = $3::partner_type), $4)))`,
    [ESCALATE_TASK, referralId, partnerType, DEFAULT_ESCALATION_MINUTES],
  );
}

export async function cancelEscalation(q: Queryable, referralId: string): Promise<void> {
  await q.query('SELECT graphile_worker.remove_job($1)', [`escalate:${referralId}`]);
}
