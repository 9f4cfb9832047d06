import { type ReferralStatus, statusesFrom } from '@korgon/domain';
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

/**
 * The end of one delivery attempt, in one statement (one commit per delivery): from queued or sent to
 * `delivered`, or to `sent` with the reason after a failed attempt; the attempt is counted, and a referral
 * still queued gets its `sent` step first, stamped when the attempt began. Says whether it moved (a
 * referral revoked meanwhile does not).
 */
export async function recordAttempt(
  q: Queryable,
  id: string,
  o: {
    outcome: 'delivered' | 'sent';
    startedAt: Date;
    lastError: string | null;
    details?: Record<string, unknown>;
  },
): Promise<boolean> {
  const { rowCount } = await q.query({
    // Prepared once per connection: it runs for every delivery.
    name: 'korgon-referral-record-attempt',
    text: `WITH prev AS (
       SELECT status FROM referrals WHERE id = $1 AND status = ANY($6::referral_status[]) FOR UPDATE),
     moved AS (
       UPDATE referrals r SET status = $2::referral_status, updated_at = now(), attempts = r.attempts + 1,
                              last_error = $4,
                              delivered_at = CASE WHEN $2 = 'delivered' THEN coalesce(r.delivered_at, now()) ELSE r.delivered_at END
         FROM prev WHERE r.id = $1 RETURNING prev.status AS was)
     INSERT INTO referral_events (referral_id, status, actor, details, at)
       SELECT $1::uuid, 'sent'::referral_status, 'worker', '{}'::jsonb, $3::timestamptz FROM moved WHERE was = 'queued'
       UNION ALL
       SELECT $1::uuid, 'delivered'::referral_status, 'worker', $5::jsonb, now() FROM moved WHERE $2 = 'delivered'`,
    // Queued or sent: where the lifecycle lets a delivery attempt end (a failed one stays sent).
    values: [
      id,
      o.outcome,
      o.startedAt,
      o.lastError,
      JSON.stringify(o.details ?? {}),
      statusesFrom('delivered'),
    ],
  });
  return Boolean(rowCount);
}
