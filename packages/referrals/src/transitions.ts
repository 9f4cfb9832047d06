import type { ReferralStatus } from '@korgon/domain';
import type { Queryable } from './types';

const STAMP: Partial<Record<ReferralStatus, string>> = {
  delivered: 'delivered_at',
  acknowledged: 'acknowledged_at',
  escalated: 'escalated_at',
};

export interface TransitionOptions {
  /** The states it may move from; the change happens only from one of these. */
  from: ReferralStatus[];
  actorId?: string | null;
  /** Who acted when it was not a user: 'worker', 'partner-webhook', 'email-link'. */
  actor?: string | null;
  note?: string | null;
  details?: Record<string, unknown>;
  /** Further columns to set in the same UPDATE. */
  set?: Record<string, unknown>;
  /** Count a delivery attempt in the same UPDATE. */
  countAttempt?: boolean;
}

/**
 * Moves a referral to `to` if it is in one of `from`, timestamps the change in referral_events, and says
 * whether it moved. Every change of state goes through here. One statement (the event is inserted from the
 * UPDATE's own result), so it is atomic without a transaction of its own and costs one round trip.
 */
export async function transition(
  q: Queryable,
  id: string,
  to: ReferralStatus,
  o: TransitionOptions,
): Promise<boolean> {
  const sets = ['status = $2::referral_status', 'updated_at = now()'];
  if (o.countAttempt) sets.push('attempts = attempts + 1');
  const values: unknown[] = [
    id,
    to,
    o.from,
    o.actorId ?? null,
    o.actor ?? null,
    JSON.stringify({ ...(o.details ?? {}), ...(o.note ? { note: o.note } : {}) }),
  ];
  const stamp = STAMP[to];
  if (stamp) sets.push(`${stamp} = coalesce(${stamp}, now())`);
  for (const [column, value] of Object.entries(o.set ?? {})) {
    if (!/^[a-z_]+$/.test(column)) throw new Error(`bad column ${column}`);
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  const { rowCount } = await q.query(
    `WITH moved AS (
       UPDATE referrals SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($3::referral_status[]) RETURNING id)
     INSERT INTO referral_events (referral_id, status, actor_id, actor, details)
       SELECT id, $2::referral_status, $4::uuid, $5::text, $6::jsonb FROM moved`,
    values,
  );
  return Boolean(rowCount);
}
