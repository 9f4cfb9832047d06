import {
  type LocalizedText,
  type PartnerReferral,
  type PartnerType,
  type Referral,
  type ReferralContent,
  Settlement,
} from '@korgon/domain';
import { open, type SealKey } from '@korgon/signing';
import type { Queryable, ReferralRow } from './types';

export type ReferralViewRow = ReferralRow & {
  partner_name: LocalizedText;
  partner_type: PartnerType;
  channel: string;
  creator_name: string;
  consultation_reference: string;
};

const select = (extra = '') => `
  SELECT r.*, p.name AS partner_name, p.type AS partner_type, p.channel, u.display_name AS creator_name,
         k.reference AS consultation_reference${extra}
    FROM referrals r JOIN partner_orgs p ON p.id = r.partner_org_id JOIN users u ON u.id = r.created_by
    JOIN consultations k ON k.id = r.consultation_id`;
const SELECT = select();

/** Where the worker delivers a referral: its partner's channel settings. */
export interface PartnerChannel {
  webhook_url: string | null;
  email: string | null;
  webhook_secret_sealed: Buffer | null;
  webhook_secret_key_version: number | null;
}
export type DeliveryRow = ReferralViewRow & PartnerChannel;

const DELIVERY_ROW = {
  name: 'korgon-referral-delivery-row',
  text: `${select(', p.webhook_url, p.email, p.webhook_secret_sealed, p.webhook_secret_key_version')} WHERE r.id = $1`,
};

/** The referral, its partner and the partner's channel, in one read (the worker's delivery). */
export async function deliveryRow(q: Queryable, id: string): Promise<DeliveryRow | undefined> {
  const { rows } = await q.query<DeliveryRow>({ ...DELIVERY_ROW, values: [id] });
  return rows[0];
}

const unseal = (key: SealKey, id: string, sealed: Buffer | null, version: number | null, label: string) =>
  sealed && version !== null ? open(key, `${id}:${label}`, sealed, version) : null;

/** The partner's rejection reason: sealed; a row from before sealing may still hold it in clear. */
const rejectionReasonOf = (key: SealKey, r: ReferralRow) =>
  unseal(key, r.id, r.rejection_reason_sealed, r.key_version, 'rejection') ?? r.rejection_reason;

/** Why it went without consent: sealed; a row from before sealing may still hold it in clear. */
export const exceptionReasonOf = (key: SealKey, r: ReferralRow) =>
  unseal(key, r.id, r.consent_exception_reason_sealed, r.key_version, 'exception') ??
  r.consent_exception_reason;

export async function referralRows(q: Queryable, ids: string[]): Promise<ReferralViewRow[]> {
  const { rows } = await q.query<ReferralViewRow>(`${SELECT} WHERE r.id = ANY($1::uuid[])`, [ids]);
  return rows;
}

/** A referral row with its events, in the events' order (parallel arrays; NULL when there is none). */
export type StaffViewRow = ReferralViewRow & {
  ev_status: Referral['status'][] | null;
  ev_at: Date[] | null;
  ev_by: (string | null)[] | null;
  ev_note: (string | null)[] | null;
};

/**
 * The referrals with their partner, author and events, in one round trip (the worker pushes after every
 * delivery, so it counts), as a prepared statement.
 */
const STAFF_ROWS = {
  name: 'korgon-referral-staff-rows',
  text: `${select(', ev.ev_status, ev.ev_at, ev.ev_by, ev.ev_note')}
           LEFT JOIN LATERAL (
             SELECT array_agg(e.status::text ORDER BY e.at, e.id) AS ev_status,
                    array_agg(e.at ORDER BY e.at, e.id) AS ev_at,
                    array_agg(coalesce(eu.display_name, e.actor) ORDER BY e.at, e.id) AS ev_by,
                    array_agg(e.details->>'note' ORDER BY e.at, e.id) AS ev_note
               FROM referral_events e LEFT JOIN users eu ON eu.id = e.actor_id
              WHERE e.referral_id = r.id) ev ON true
          WHERE r.id = ANY($1::uuid[])`,
};

export async function staffViewRows(q: Queryable, ids: string[]): Promise<StaffViewRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<StaffViewRow>({ ...STAFF_ROWS, values: [ids] });
  // In the order asked for.
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The staff's view of a row read by staffViewRows. */
export function staffViewOf(key: SealKey, r: StaffViewRow): Referral {
  const ats = r.ev_at ?? [];
  const bys = r.ev_by ?? [];
  const notes = r.ev_note ?? [];
  return {
    id: r.id,
    reference: r.reference,
    consultationId: r.consultation_id,
    consultationReference: r.consultation_reference,
    partner: { id: r.partner_org_id, name: r.partner_name, type: r.partner_type, channel: r.channel },
    urgency: r.urgency,
    status: r.status,
    consent: { basis: r.consent_basis, exception: r.consent_exception, reason: exceptionReasonOf(key, r) },
    fields: r.fields,
    attempts: r.attempts,
    lastError: r.last_error,
    outcome: unseal(key, r.id, r.outcome_sealed, r.key_version, 'outcome'),
    rejectionReason: rejectionReasonOf(key, r),
    contentRemovedAt: r.content_removed_at?.toISOString() ?? null,
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

export async function staffViews(q: Queryable, key: SealKey, ids: string[]): Promise<Referral[]> {
  return (await staffViewRows(q, ids)).map((r) => staffViewOf(key, r));
}

/** What the partner sees: the chosen content and the operator's message, nothing about the hotline's record. */
export function partnerView(key: SealKey, r: ReferralRow): PartnerReferral {
  const content: ReferralContent = { ...(r.content as ReferralContent) };
  // A referral stored before settlement had to be one of the taxonomy's keys may hold other text: never sent.
  if (content.settlement !== undefined && !Settlement.safeParse(content.settlement).success)
    delete content.settlement;
  const message = unseal(key, r.id, r.message_sealed, r.key_version, 'message');
  if (message) content.message = message;
  return {
    id: r.id,
    reference: r.reference,
    urgency: r.urgency,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    content,
    outcome: unseal(key, r.id, r.outcome_sealed, r.key_version, 'outcome'),
    rejectionReason: rejectionReasonOf(key, r),
    contentRemovedAt: r.content_removed_at?.toISOString() ?? null,
  };
}
