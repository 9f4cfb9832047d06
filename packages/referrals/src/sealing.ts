import { reseal, type SealKey, type SealKeyring, seal } from '@korgon/signing';
import type { Queryable } from './types';

/** A referral's sealed columns, each with the label its record id carries (`<id>:<label>`); one key_version for all. */
export const REFERRAL_SEALED_COLUMNS = [
  ['consent_exception_reason_sealed', 'exception'],
  ['message_sealed', 'message'],
  ['outcome_sealed', 'outcome'],
  ['rejection_reason_sealed', 'rejection'],
] as const;
export type ReferralSealedColumn = (typeof REFERRAL_SEALED_COLUMNS)[number][0];

/**
 * A referral's sealed texts moved to the current key (its columns share one key_version, so a text sealed now
 * under the current key must not sit beside others of an older one): the columns to set, with key_version.
 * Nothing when it is at the current version already. A shredded (null) column stays null.
 */
export function resealReferralTexts(
  key: SealKey | SealKeyring,
  r: { id: string; key_version: number | null } & Record<ReferralSealedColumn, Buffer | null>,
): Record<string, Buffer | number | null> {
  if (r.key_version === null || r.key_version === key.version) return {};
  const set: Record<string, Buffer | number | null> = { key_version: key.version };
  for (const [column, label] of REFERRAL_SEALED_COLUMNS) {
    const sealed = r[column];
    set[column] = sealed ? reseal(key, `${r.id}:${label}`, sealed, r.key_version) : null;
  }
  return set;
}

/** What a rejection's event says instead of the partner's words, which are sealed with the referral. */
export const REJECTION_NOTE = 'reason given (sealed with the referral)';

/**
 * Rejection reasons stored before they were sealed: each is sealed with the referral's key, and its clear text
 * removed from the referral and from the rejection's event, in one statement per referral (run again, it finds
 * nothing). Rows under another key version are left for the re-encryption of a key rotation.
 */
/**
 * Consent-exception reasons stored before they were sealed: each is sealed with the referral's key and its
 * clear text removed, in one statement per referral (run again, it finds nothing). Other key versions are left
 * for the re-encryption of a key rotation.
 */
export async function sealLegacyExceptionReasons(q: Queryable, key: SealKey): Promise<number> {
  const { rows } = await q.query<{ id: string; consent_exception_reason: string }>(
    `SELECT id, consent_exception_reason FROM referrals
      WHERE consent_exception_reason IS NOT NULL AND key_version = $1 ORDER BY created_at LIMIT 1000`,
    [key.version],
  );
  let sealed = 0;
  for (const r of rows) {
    const { rowCount } = await q.query(
      `UPDATE referrals SET consent_exception_reason_sealed = $2, consent_exception_reason = NULL
        WHERE id = $1 AND consent_exception_reason = $3`,
      [r.id, seal(key, `${r.id}:exception`, r.consent_exception_reason), r.consent_exception_reason],
    );
    sealed += rowCount ?? 0;
  }
  return sealed;
}

export async function sealLegacyRejectionReasons(q: Queryable, key: SealKey): Promise<number> {
  const { rows } = await q.query<{ id: string; rejection_reason: string }>(
    `SELECT id, rejection_reason FROM referrals
      WHERE rejection_reason IS NOT NULL AND key_version = $1 ORDER BY created_at LIMIT 1000`,
    [key.version],
  );
  let sealed = 0;
  for (const r of rows) {
    const { rows: done } = await q.query<{ n: number }>(
      `WITH r AS (
         UPDATE referrals SET rejection_reason_sealed = $2, rejection_reason = NULL
          WHERE id = $1 AND rejection_reason = $3 RETURNING id),
       e AS (
         UPDATE referral_events SET details = details || jsonb_build_object('note', $4::text)
          WHERE referral_id IN (SELECT id FROM r) AND status = 'rejected' AND details ? 'note')
       SELECT count(*)::int AS n FROM r`,
      [r.id, seal(key, `${r.id}:rejection`, r.rejection_reason), r.rejection_reason, REJECTION_NOTE],
    );
    sealed += done[0]?.n ?? 0;
  }
  return sealed;
}
