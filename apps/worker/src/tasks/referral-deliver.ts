import { createHash, randomBytes } from 'node:crypto';
import { ACK_LINK_HOURS, canMove, type JobData, statusesFrom } from '@korgon/domain';
import {
  type DeliveryRow,
  deliveryRow,
  partnerView,
  type ReferralPush,
  recordAttempt,
  transition,
  type WebhookPolicy,
  webhookUrlRefusal,
} from '@korgon/referrals';
import { open, type SealKey, signedHeaders } from '@korgon/signing';
import type { Transporter } from 'nodemailer';
import type pg from 'pg';
import { type Dispatcher, errors, request } from 'undici';
import { publishReferral } from '../push';

export interface DeliveryDeps {
  pool: pg.Pool;
  key: SealKey;
  push: ReferralPush;
  publicUrl: string;
  webhookTimeoutMs: number;
  /** Keeps connections to partners alive between deliveries (undici's Agent). */
  dispatcher: Dispatcher;
  /** Where webhooks may go (checked again before every delivery: a host name can change what it points at). */
  webhookPolicy: WebhookPolicy;
  /** null when SMTP_URL is not configured. */
  mailer: Transporter | null;
  mailFrom: string;
}

/** Which attempt this is, and whether it is the last one BullMQ will make. */
export interface Attempt {
  number: number;
  last: boolean;
}

class DeliveryError extends Error {}

/**
 * Delivers one referral through its partner's channel. At least once: a repeat after a crash carries the same
 * Idempotency-Key (the referral id), so the partner records its effect once. A failed attempt is retried by
 * BullMQ with exponential backoff; after the last one the referral is failed (with the reason) and the
 * supervisors get a referral_failed alert (docs/board.md). The referral is read once, its attempt recorded in one
 * statement, and pushed once, when it is delivered or the attempt failed.
 */
export function referralDeliver(d: DeliveryDeps) {
  return async ({ referralId }: JobData<'referral.deliver'>, attempt: Attempt): Promise<void> => {
    const r = await deliveryRow(d.pool, referralId);
    if (!r || !canMove(r.status, 'delivered')) return;
    const startedAt = new Date();
    try {
      if (r.channel === 'webhook') await postWebhook(d, r);
      else if (r.channel === 'email') await sendMail(d, r);
    } catch (err) {
      const reason =
        err instanceof DeliveryError ? err.message : `delivery failed: ${(err as Error).message}`;
      await recordAttempt(d.pool, referralId, { outcome: 'sent', startedAt, lastError: reason });
      if (attempt.last)
        await transition(d.pool, referralId, 'failed', {
          from: statusesFrom('failed'),
          actor: 'worker',
          note: reason,
        });
      // The push kicks the alerts sync: a failed referral raises the supervisors' referral_failed alert.
      await publishReferral(d.pool, d.key, d.push, referralId);
      if (!attempt.last) throw new Error(reason);
      return;
    }
    // Sent and delivered in one statement: one commit per delivery.
    const moved = await recordAttempt(d.pool, referralId, {
      outcome: 'delivered',
      startedAt,
      lastError: null,
      details: { channel: r.channel },
    });
    if (moved) await publishReferral(d.pool, d.key, d.push, referralId);
  };
}

async function postWebhook(d: DeliveryDeps, r: DeliveryRow) {
  if (!r.webhookUrl) throw new DeliveryError('the partner has no webhook URL');
  const refused = await webhookUrlRefusal(r.webhookUrl, d.webhookPolicy);
  if (refused) throw new DeliveryError(`the partner's webhook URL cannot be used: ${refused}`);
  if (!r.webhookSecretSealed || r.webhookSecretKeyVersion === null)
    throw new DeliveryError('the partner has no signing secret');
  const secret = open(d.key, `${r.partnerOrgId}:webhook`, r.webhookSecretSealed, r.webhookSecretKeyVersion);
  const view = partnerView(d.key, r);
  const body = JSON.stringify({
    id: view.id,
    reference: view.reference,
    urgency: view.urgency,
    createdAt: view.createdAt,
    content: view.content,
    statusUrl: `${d.publicUrl}/api/partners/referrals/${view.id}/status`,
  });
  // undici's request rather than fetch: the same client, without fetch's web-stream overhead per delivery.
  let status: number;
  try {
    const res = await request(r.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': r.id,
        ...signedHeaders(secret, body),
      },
      body,
      dispatcher: d.dispatcher,
      headersTimeout: d.webhookTimeoutMs,
      bodyTimeout: d.webhookTimeoutMs,
    });
    status = res.statusCode;
    await res.body.dump();
  } catch (err) {
    const e = err as Error;
    throw new DeliveryError(
      e instanceof errors.HeadersTimeoutError || e instanceof errors.BodyTimeoutError
        ? `the partner did not answer within ${d.webhookTimeoutMs} ms`
        : `the partner could not be reached (${e.message})`,
    );
  }
  if (status < 200 || status >= 300) throw new DeliveryError(`the partner answered ${status}`);
}

async function sendMail(d: DeliveryDeps, r: DeliveryRow) {
  if (!d.mailer) throw new DeliveryError('e-mail is not configured (SMTP_URL)');
  if (!r.email) throw new DeliveryError('the partner has no e-mail address');
  const token = randomBytes(24).toString('base64url');
  const hash = createHash('sha256').update(token).digest('hex');
  await d.pool.query(
    `UPDATE referrals SET ack_token_hash = $2, ack_token_expires_at = now() + make_interval(hours => $3) WHERE id = $1`,
    [r.id, hash, ACK_LINK_HOURS],
  );
  const urgent = r.urgency === 'urgent';
  const link = `${d.publicUrl}/api/partners/ack/${token}`;
  try {
    // The e-mail carries no personal data: the content is seen in the portal or after following the link.
    await d.mailer.sendMail({
      from: d.mailFrom,
      to: r.email,
      subject: `${urgent ? 'СРОЧНО / ШАШЫЛЫШ: ' : ''}направление ${r.reference} от линии 5200 / 5200 линиясынан жолдомо ${r.reference}`,
      text: `Вам направление ${r.reference} от горячей линии 5200. Подтвердите получение по ссылке (действует ${ACK_LINK_HOURS} ч):\n${link}\nЕсли будете звонить на линию 5200, назовите номер ${r.reference}.\n\n5200 ишеним телефонунан ${r.reference} жолдомо келди. Шилтеме аркылуу ырастаңыз:\n${link}\n5200 линиясына чалсаңыз, ${r.reference} номерин айтыңыз.\n`,
      headers: { 'X-Korgon-Referral': r.id, 'X-Korgon-Reference': r.reference },
    });
  } catch (err) {
    throw new DeliveryError(`the mail server refused the message (${(err as Error).message})`);
  }
}
