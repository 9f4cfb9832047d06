import { type SealKey, seal } from '@korgon/signing';
import type { Queryable } from './types';

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
