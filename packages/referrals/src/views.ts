import { dbOn, schema } from '@korgon/db';
import {
  type LocalizedText,
  type PartnerReferral,
  type Referral,
  type ReferralContent,
  Settlement,
} from '@korgon/domain';
import { open, type SealKey } from '@korgon/signing';
import { eq, getTableColumns, inArray } from 'drizzle-orm';
import type { Queryable, ReferralRow } from './types';

const { consultations, partnerOrgs, referrals, users } = schema;
type PartnerOrgRow = typeof partnerOrgs.$inferSelect;

/** A referral with its partner, its author's name and its consultation's reference. */
export type ReferralViewRow = ReferralRow & {
  partnerName: LocalizedText;
  partnerType: PartnerOrgRow['type'];
  channel: PartnerOrgRow['channel'];
  creatorName: (typeof users.$inferSelect)['displayName'];
  consultationReference: (typeof consultations.$inferSelect)['reference'];
};

/** Where the worker delivers a referral: its partner's channel settings. */
export type PartnerChannel = Pick<
  PartnerOrgRow,
  'webhookUrl' | 'email' | 'webhookSecretSealed' | 'webhookSecretKeyVersion'
>;
export type DeliveryRow = ReferralViewRow & PartnerChannel;

const quoted = (name: string) => `"${name}"`;
/** Every referral column, named as the schema names it, for the statements below that stay raw SQL. */
const REFERRAL_COLUMNS = Object.entries(getTableColumns(referrals))
  .map(([key, column]) => `r.${quoted(column.name)} AS ${quoted(key)}`)
  .join(', ');

const select = (extra = '') => `
  SELECT ${REFERRAL_COLUMNS}, p.name AS "partnerName", p.type AS "partnerType", p.channel,
         u.display_name AS "creatorName", k.reference AS "consultationReference"${extra}
    FROM referrals r JOIN partner_orgs p ON p.id = r.partner_org_id JOIN users u ON u.id = r.created_by
    JOIN consultations k ON k.id = r.consultation_id`;

/**
 * Raw SQL only to be a named prepared statement (parsed once per connection: the worker reads one per
 * delivery); drizzle would say the same join.
 */
const DELIVERY_ROW = {
  name: 'korgon-referral-delivery-row',
  text: `${select(`, p.webhook_url AS "webhookUrl", p.email, p.webhook_secret_sealed AS "webhookSecretSealed",
                    p.webhook_secret_key_version AS "webhookSecretKeyVersion"`)} WHERE r.id = $1`,
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
  unseal(key, r.id, r.rejectionReasonSealed, r.keyVersion, 'rejection') ?? r.rejectionReason;

/** Why it went without consent: sealed; a row from before sealing may still hold it in clear. */
export const exceptionReasonOf = (key: SealKey, r: ReferralRow) =>
  unseal(key, r.id, r.consentExceptionReasonSealed, r.keyVersion, 'exception') ?? r.consentExceptionReason;

export async function referralRows(q: Queryable, ids: string[]): Promise<ReferralViewRow[]> {
  if (ids.length === 0) return [];
  const rows = await dbOn(q)
    .select({
      ...getTableColumns(referrals),
      partnerName: partnerOrgs.name,
      partnerType: partnerOrgs.type,
      channel: partnerOrgs.channel,
      creatorName: users.displayName,
      consultationReference: consultations.reference,
    })
    .from(referrals)
    .innerJoin(partnerOrgs, eq(partnerOrgs.id, referrals.partnerOrgId))
    .innerJoin(users, eq(users.id, referrals.createdBy))
    .innerJoin(consultations, eq(consultations.id, referrals.consultationId))
    .where(inArray(referrals.id, ids));
  return rows;
}

/** A referral row with its events, in the events' order (parallel arrays; NULL when there is none). */
export type StaffViewRow = ReferralViewRow & {
  evStatus: Referral['status'][] | null;
  evAt: Date[] | null;
  evBy: (string | null)[] | null;
  evNote: (string | null)[] | null;
};

/**
 * The referrals with their partner, author and events, in one round trip (the worker pushes after every
 * delivery, so it counts), as a prepared statement.
 */
const STAFF_ROWS = {
  name: 'korgon-referral-staff-rows',
  text: `${select(', ev.ev_status AS "evStatus", ev.ev_at AS "evAt", ev.ev_by AS "evBy", ev.ev_note AS "evNote"')}
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
  const ats = r.evAt ?? [];
  const bys = r.evBy ?? [];
  const notes = r.evNote ?? [];
  return {
    id: r.id,
    reference: r.reference,
    consultationId: r.consultationId,
    consultationReference: r.consultationReference,
    partner: { id: r.partnerOrgId, name: r.partnerName, type: r.partnerType, channel: r.channel },
    urgency: r.urgency,
    status: r.status,
    consent: { basis: r.consentBasis, exception: r.consentException, reason: exceptionReasonOf(key, r) },
    fields: r.fields,
    attempts: r.attempts,
    lastError: r.lastError,
    outcome: unseal(key, r.id, r.outcomeSealed, r.keyVersion, 'outcome'),
    rejectionReason: rejectionReasonOf(key, r),
    contentRemovedAt: r.contentRemovedAt?.toISOString() ?? null,
    createdBy: { id: r.createdBy, displayName: r.creatorName },
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    events: (r.evStatus ?? []).map((status, i) => ({
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
  const content: ReferralContent = { ...r.content };
  // A referral stored before settlement had to be one of the taxonomy's keys may hold other text: never sent.
  if (content.settlement !== undefined && !Settlement.safeParse(content.settlement).success)
    delete content.settlement;
  const message = unseal(key, r.id, r.messageSealed, r.keyVersion, 'message');
  if (message) content.message = message;
  return {
    id: r.id,
    reference: r.reference,
    urgency: r.urgency,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    content,
    outcome: unseal(key, r.id, r.outcomeSealed, r.keyVersion, 'outcome'),
    rejectionReason: rejectionReasonOf(key, r),
    contentRemovedAt: r.contentRemovedAt?.toISOString() ?? null,
  };
}
