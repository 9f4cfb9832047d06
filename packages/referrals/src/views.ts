import type { LocalizedText, PartnerReferral, PartnerType, Referral, ReferralContent } from '@korgon/domain';
import { open, type SealKey } from '@korgon/signing';
import type { Queryable, ReferralRow } from './types';

export type ReferralViewRow = ReferralRow & {
  partner_name: LocalizedText;
  partner_type: PartnerType;
  channel: string;
  creator_name: string;
};

const select = (extra = '') => `
  SELECT r.*, p.name AS partner_name, p.type AS partner_type, p.channel, u.display_name AS creator_name${extra}
    FROM referrals r JOIN partner_orgs p ON p.id = r.partner_org_id JOIN users u ON u.id = r.created_by`;
const SELECT = select();

/** Where the worker delivers a referral: its partner's channel settings. */
export interface PartnerChannel {
  webhook_url: string | null;
  email: string | null;
  webhook_secret_sealed: Buffer | null;
  webhook_secret_key_version: number | null;
}
export type DeliveryRow = ReferralViewRow & PartnerChannel;

/** The referral, its partner and the partner's channel, in one read (the worker's delivery). */
export async function deliveryRow(q: Queryable, id: string): Promise<DeliveryRow | undefined> {
  const { rows } = await q.query<DeliveryRow>(
    `${select(', p.webhook_url, p.email, p.webhook_secret_sealed, p.webhook_secret_key_version')} WHERE r.id = $1`,
    [id],
  );
  return rows[0];
}

const unseal = (key: SealKey, id: string, sealed: Buffer | null, version: number | null, label: string) =>
  sealed && version !== null ? open(key, `${id}:${label}`, sealed, version) : null;

export async function referralRows(q: Queryable, ids: string[]): Promise<ReferralViewRow[]> {
  const { rows } = await q.query<ReferralViewRow>(`${SELECT} WHERE r.id = ANY($1::uuid[])`, [ids]);
  return rows;
}

export async function staffViews(q: Queryable, key: SealKey, ids: string[]): Promise<Referral[]> {
  if (ids.length === 0) return [];
  return staffViewsOf(q, key, await referralRows(q, ids));
}

/** The staff views of rows already read (one query for their events). */
export async function staffViewsOf(
  q: Queryable,
  key: SealKey,
  rows: readonly ReferralViewRow[],
): Promise<Referral[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const events = await q.query<{
    referral_id: string;
    status: Referral['status'];
    at: Date;
    by: string | null;
    note: string | null;
  }>(
    `SELECT e.referral_id, e.status, e.at, coalesce(u.display_name, e.actor) AS by, e.details->>'note' AS note
       FROM referral_events e LEFT JOIN users u ON u.id = e.actor_id
      WHERE e.referral_id = ANY($1::uuid[]) ORDER BY e.at, e.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    consultationId: r.consultation_id,
    partner: { id: r.partner_org_id, name: r.partner_name, type: r.partner_type, channel: r.channel },
    urgency: r.urgency,
    status: r.status,
    consent: { basis: r.consent_basis, exception: r.consent_exception, reason: r.consent_exception_reason },
    fields: r.fields,
    attempts: r.attempts,
    lastError: r.last_error,
    outcome: unseal(key, r.id, r.outcome_sealed, r.key_version, 'outcome'),
    rejectionReason: r.rejection_reason,
    createdBy: { id: r.created_by, displayName: r.creator_name },
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    events: events.rows
      .filter((e) => e.referral_id === r.id)
      .map((e) => ({ status: e.status, at: e.at.toISOString(), by: e.by, note: e.note })),
  }));
}

/** What the partner sees: the chosen content and the operator's message, nothing about the hotline's record. */
export function partnerView(key: SealKey, r: ReferralRow): PartnerReferral {
  const content: ReferralContent = { ...(r.content as ReferralContent) };
  const message = unseal(key, r.id, r.message_sealed, r.key_version, 'message');
  if (message) content.message = message;
  return {
    id: r.id,
    urgency: r.urgency,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    content,
    outcome: unseal(key, r.id, r.outcome_sealed, r.key_version, 'outcome'),
    rejectionReason: r.rejection_reason,
  };
}
