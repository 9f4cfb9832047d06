import { createHash, randomBytes } from 'node:crypto';
import { inTransaction } from '@korgon/db';
import { ACK_LINK_HOURS, type LocalizedText } from '@korgon/domain';
import { partnerView, type ReferralPush, referralRows, suggestPartners, transition } from '@korgon/referrals';
import { open, type SealKey, signedHeaders } from '@korgon/signing';
import type { Task } from 'graphile-worker';
import type { Transporter } from 'nodemailer';
import type pg from 'pg';
import { z } from 'zod';
import { publishReferral } from './referral-push';

const Payload = z.object({ referralId: z.uuid() });

export interface DeliveryDeps {
  pool: pg.Pool;
  key: SealKey;
  push: ReferralPush;
  publicUrl: string;
  webhookTimeoutMs: number;
  /** null when SMTP_URL is not configured. */
  mailer: Transporter | null;
  mailFrom: string;
}

interface PartnerRow {
  id: string;
  name: LocalizedText;
  type: string;
  channel: 'webhook' | 'email' | 'portal';
  webhook_url: string | null;
  email: string | null;
  webhook_secret_sealed: Buffer | null;
  webhook_secret_key_version: number | null;
}

class DeliveryError extends Error {}

/**
 * Delivers one referral through its partner's channel. At least once: a repeat after a crash carries the same
 * Idempotency-Key (the referral id), so the partner records its effect once. Failures are retried by
 * graphile-worker with exponential backoff; after the last attempt the referral is failed and the
 * supervisors are alerted with the reason and the next suitable partner.
 */
export function referralDeliver(d: DeliveryDeps): Task {
  return async (payload, helpers) => {
    const { referralId } = Payload.parse(payload);
    const [r] = await referralRows(d.pool, [referralId]);
    if (!r || !['queued', 'sent'].includes(r.status)) return;
    const { rows } = await d.pool.query<PartnerRow>('SELECT * FROM partner_orgs WHERE id = $1', [
      r.partner_org_id,
    ]);
    const partner = rows[0];
    if (!partner) return;
    await inTransaction(d.pool, async (c) => {
      await transition(c, referralId, 'sent', { from: ['queued'], actor: 'worker' });
      await c.query('UPDATE referrals SET attempts = attempts + 1 WHERE id = $1', [referralId]);
    });
    await publishReferral(d.pool, d.key, d.push, referralId);
    try {
      if (partner.channel === 'webhook') await postWebhook(d, partner, referralId);
      else if (partner.channel === 'email') await sendMail(d, partner, referralId);
      const delivered = await inTransaction(d.pool, (c) =>
        transition(c, referralId, 'delivered', {
          from: ['sent'],
          actor: 'worker',
          details: { channel: partner.channel },
          set: { last_error: null },
        }),
      );
      if (delivered) await publishReferral(d.pool, d.key, d.push, referralId);
    } catch (err) {
      const reason =
        err instanceof DeliveryError ? err.message : `delivery failed: ${(err as Error).message}`;
      const last = helpers.job.attempts >= helpers.job.max_attempts;
      await inTransaction(d.pool, async (c) => {
        await c.query('UPDATE referrals SET last_error = $2 WHERE id = $1', [referralId, reason]);
        if (last)
          await transition(c, referralId, 'failed', {
            from: ['sent', 'queued'],
            actor: 'worker',
            note: reason,
          });
      });
      await publishReferral(d.pool, d.key, d.push, referralId);
      if (!last) throw new Error(reason);
      const [next] = await suggestPartners(d.pool, {
        types: [partner.type],
        region: (r.content as { region?: string }).region ?? null,
        exclude: [partner.id],
        limit: 1,
      });
      d.push.alert({
        kind: 'failed',
        referralId,
        consultationId: r.consultation_id,
        partner: partner.name.en,
        urgency: r.urgency,
        reason,
        suggestion: next ? { partnerId: next.partnerId, name: next.name.en } : null,
        at: new Date().toISOString(),
      });
      helpers.logger.warn(`referral ${referralId} failed after ${helpers.job.attempts} attempts: ${reason}`);
    }
  };
}

async function postWebhook(d: DeliveryDeps, partner: PartnerRow, referralId: string) {
  if (!partner.webhook_url) throw new DeliveryError('the partner has no webhook URL');
  if (!partner.webhook_secret_sealed || partner.webhook_secret_key_version === null)
    throw new DeliveryError('the partner has no signing secret');
  const secret = open(
    d.key,
    `${partner.id}:webhook`,
    partner.webhook_secret_sealed,
    partner.webhook_secret_key_version,
  );
  const [row] = await referralRows(d.pool, [referralId]);
  if (!row) throw new DeliveryError('the referral is gone');
  const view = partnerView(d.key, row);
  const body = JSON.stringify({
    id: view.id,
    urgency: view.urgency,
    createdAt: view.createdAt,
    content: view.content,
    statusUrl: `${d.publicUrl}/api/partners/referrals/${view.id}/status`,
  });
  let res: Response;
  try {
    res = await fetch(partner.webhook_url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': referralId,
        ...signedHeaders(secret, body),
      },
      body,
      signal: AbortSignal.timeout(d.webhookTimeoutMs),
    });
  } catch (err) {
    const e = err as Error;
    throw new DeliveryError(
      e.name === 'TimeoutError'
        ? `the partner did not answer within ${d.webhookTimeoutMs} ms`
        : `the partner could not be reached (${e.message})`,
    );
  }
  await res.body?.cancel().catch(() => undefined);
  if (!res.ok) throw new DeliveryError(`the partner answered ${res.status}`);
}

async function sendMail(d: DeliveryDeps, partner: PartnerRow, referralId: string) {
  if (!d.mailer) throw new DeliveryError('e-mail is not configured (SMTP_URL)');
  if (!partner.email) throw new DeliveryError('the partner has no e-mail address');
  const token = randomBytes(24).toString('base64url');
  const hash = createHash('sha256').update(token).digest('hex');
  await d.pool.query(
    `UPDATE referrals SET ack_token_hash = $2, ack_token_expires_at = now() + make_interval(hours => $3) WHERE id = $1`,
    [referralId, hash, ACK_LINK_HOURS],
  );
  const [row] = await referralRows(d.pool, [referralId]);
  const urgent = row?.urgency === 'urgent';
  const link = `${d.publicUrl}/api/partners/ack/${token}`;
  try {
    // The e-mail carries no personal data: the content is seen in the portal or after following the link.
    await d.mailer.sendMail({
      from: d.mailFrom,
      to: partner.email,
      subject: `${urgent ? 'СРОЧНО / ШАШЫЛЫШ: ' : ''}направление от линии 5200 / 5200 линиясынан жолдомо`,
      text: `Вам направление от горячей линии 5200. Подтвердите получение по ссылке (действует ${ACK_LINK_HOURS} ч):\n${link}\n\n5200 ишеним телефонунан жолдомо келди. Шилтеме аркылуу ырастаңыз:\n${link}\n`,
      headers: { 'X-Korgon-Referral': referralId },
    });
  } catch (err) {
    throw new DeliveryError(`the mail server refused the message (${(err as Error).message})`);
  }
}
