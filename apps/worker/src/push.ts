import { type QueueChange, type Referral, rooms, type ServerToClientEvents } from '@korgon/domain';
import type { Publish } from '@korgon/queue';
import { partnerView, type ReferralPush, type ReferralViewRow } from '@korgon/referrals';
import { open, type SealKey } from '@korgon/signing';
import type { Emitter } from '@socket.io/redis-emitter';
import type pg from 'pg';

export type KorgonEmitter = Emitter<ServerToClientEvents>;

/** Live queue changes from the worker (a wrap-up that ended), to the same rooms the servers push them to. */
export function createWorkerPublish(emitter: KorgonEmitter): Publish {
  return (changes: readonly QueueChange[]) => {
    for (const change of changes)
      emitter.to([rooms.role('operator'), rooms.role('supervisor')]).emit('queue:change', change);
  };
}

/** The worker's way to tell consoles and partner portals: through the servers' Redis adapter channel. */
export function createWorkerReferralPush(emitter: KorgonEmitter): ReferralPush {
  return {
    staff: (r, createdBy) =>
      emitter.to([rooms.user(createdBy), rooms.role('supervisor')]).emit('referral:changed', r),
    partner: (org, r) => emitter.to(rooms.partner(org)).emit('partner:referral', r),
    alert: (a) => emitter.to(rooms.role('supervisor')).emit('alert:referral', a),
  };
}

type PushRow = ReferralViewRow & {
  ev_status: Referral['status'][] | null;
  ev_at: Date[] | null;
  ev_by: (string | null)[] | null;
  ev_note: (string | null)[] | null;
};

/**
 * The referral with its partner, author and events: what staffViews (packages/referrals) reads in two
 * queries, in one round trip (the worker pushes after every delivery, so it counts), as a prepared statement.
 */
const PUSH_ROW = {
  name: 'korgon-worker-push-row',
  text: `SELECT r.*, p.name AS partner_name, p.type AS partner_type, p.channel, u.display_name AS creator_name,
                ev.ev_status, ev.ev_at, ev.ev_by, ev.ev_note
           FROM referrals r JOIN partner_orgs p ON p.id = r.partner_org_id JOIN users u ON u.id = r.created_by
           LEFT JOIN LATERAL (
             SELECT array_agg(e.status::text ORDER BY e.at, e.id) AS ev_status,
                    array_agg(e.at ORDER BY e.at, e.id) AS ev_at,
                    array_agg(coalesce(eu.display_name, e.actor) ORDER BY e.at, e.id) AS ev_by,
                    array_agg(e.details->>'note' ORDER BY e.at, e.id) AS ev_note
               FROM referral_events e LEFT JOIN users eu ON eu.id = e.actor_id
              WHERE e.referral_id = r.id) ev ON true
          WHERE r.id = $1`,
};

/** The staff view of a referral, as staffViewsOf (packages/referrals) builds it. */
function staffViewOf(key: SealKey, r: PushRow): Referral {
  const outcome =
    r.outcome_sealed && r.key_version !== null
      ? open(key, `${r.id}:outcome`, r.outcome_sealed, r.key_version)
      : null;
  // Parallel arrays in the events' order; NULL when there is none.
  const ats = r.ev_at ?? [];
  const bys = r.ev_by ?? [];
  const notes = r.ev_note ?? [];
  return {
    id: r.id,
    consultationId: r.consultation_id,
    partner: { id: r.partner_org_id, name: r.partner_name, type: r.partner_type, channel: r.channel },
    urgency: r.urgency,
    status: r.status,
    consent: { basis: r.consent_basis, exception: r.consent_exception, reason: r.consent_exception_reason },
    fields: r.fields,
    attempts: r.attempts,
    lastError: r.last_error,
    outcome,
    rejectionReason: r.rejection_reason,
    createdBy: { id: r.created_by, displayName: r.creator_name },
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    events: (r.ev_status ?? []).map((status, i) => ({
      status,
      at: (ats[i] as Date).toISOString(),
      by: bys[i] ?? null,
      note: notes[i] ?? null,
    })),
  };
}

/**
 * Reads a referral once (one query, with its events) and pushes its staff view and, once the partner has it,
 * the partner's view.
 */
export async function publishReferral(
  pool: pg.Pool,
  key: SealKey,
  push: ReferralPush,
  id: string,
): Promise<void> {
  const { rows } = await pool.query<PushRow>({ ...PUSH_ROW, values: [id] });
  const row = rows[0];
  if (!row) return;
  const view = staffViewOf(key, row);
  push.staff(view, view.createdBy.id);
  if (row.status !== 'queued' && row.status !== 'revoked')
    push.partner(row.partner_org_id, partnerView(key, row));
}
