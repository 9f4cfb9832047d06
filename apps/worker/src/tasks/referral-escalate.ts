import type { JobData, LocalizedText } from '@korgon/domain';
import { type ReferralPush, referralRows, suggestPartners, transition } from '@korgon/referrals';
import type { SealKey } from '@korgon/signing';
import type pg from 'pg';
import { publishReferral } from '../push';

/** An urgent referral nobody acknowledged in time: escalated, with the next suitable partner suggested. */
export function referralEscalate(pool: pg.Pool, key: SealKey, push: ReferralPush) {
  return async ({ referralId }: JobData<'referral.escalate'>): Promise<void> => {
    const [r] = await referralRows(pool, [referralId]);
    if (r?.urgency !== 'urgent') return;
    const moved = await transition(pool, referralId, 'escalated', {
      from: ['queued', 'sent', 'delivered'],
      actor: 'worker',
      note: 'not acknowledged in time',
    });
    if (!moved) return;
    await publishReferral(pool, key, push, referralId);
    const { rows } = await pool.query<{ name: LocalizedText; type: string; region: string | null }>(
      `SELECT p.name, p.type, k.data->'survivor'->>'region' AS region
         FROM partner_orgs p, consultations k WHERE p.id = $1 AND k.id = $2`,
      [r.partner_org_id, r.consultation_id],
    );
    const p = rows[0];
    const [next] = await suggestPartners(pool, {
      types: p ? [p.type] : [],
      region: p?.region ?? null,
      exclude: [r.partner_org_id],
      limit: 1,
    });
    push.alert({
      kind: 'escalated',
      referralId,
      referralReference: r.reference,
      consultationId: r.consultation_id,
      consultationReference: r.consultation_reference,
      partner: p?.name.en ?? '',
      urgency: r.urgency,
      reason: 'not acknowledged in time',
      suggestion: next ? { partnerId: next.partnerId, name: next.name.en } : null,
      at: new Date().toISOString(),
    });
  };
}
