import { createHash } from 'node:crypto';
import {
  ErrorBody,
  PartnerReferral,
  PartnerStatusBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from '@korgon/domain';
import { partnerView, referralRows } from '@korgon/referrals';
import { type NotesKeyOptions, notesKeyringOf, open, verifyRequest } from '@korgon/signing';
import type { FastifyRequest } from 'fastify';
import rawBody from 'fastify-raw-body';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createPartnerPortalRepository } from './repository';

const tags = ['partners'];
const IdParams = z.object({ id: z.uuid('The referral id must be a UUID.') });
const TokenParams = z.object({ token: z.string().min(20).max(100) });

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The partner side: the portal inbox (partner role, own organisation only), the signed status callback for
 * partners' systems, and the one-time acknowledgement link sent by e-mail.
 */
const partnerPortal: FastifyPluginAsyncZod<NotesKeyOptions> = async (app, opts) => {
  const key = notesKeyringOf(opts);
  const repo = createPartnerPortalRepository(app.db);
  await app.register(rawBody, { global: false, runFirst: true, encoding: 'utf8' });
  const orgOf = (req: FastifyRequest) => {
    const org = authOf(req).user.partnerOrgId;
    if (!org) throw new AppError(403, 'forbidden', 'Your account is not linked to a partner organisation.');
    return org;
  };

  app.get(
    '/api/partner/referrals',
    {
      config: { permission: 'referrals:inbox' },
      schema: {
        tags,
        summary: "Your organisation's referrals (newest first)",
        response: { 200: z.array(PartnerReferral), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const ids = await repo.inboxIds(orgOf(req));
      return (await referralRows(app.pool, ids)).map((r) => partnerView(key, r));
    },
  );

  app.post(
    '/api/partner/referrals/:id/status',
    {
      config: { permission: 'referrals:inbox' },
      schema: {
        tags,
        summary: 'Acknowledge, accept, reject (with a reason) or mark done; optionally a short outcome',
        params: IdParams,
        body: PartnerStatusBody,
        response: {
          200: PartnerReferral,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (req) => {
      const r = await app.referrals.partnerAct(req.params.id, req.body.status, {
        partnerOrgId: orgOf(req),
        actorId: authOf(req).user.id,
        reason: req.body.reason,
        outcome: req.body.outcome,
      });
      if (!r) throw new NotFoundError('That referral');
      return partnerView(key, r);
    },
  );

  const header = (req: FastifyRequest, name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };

  app.post(
    '/api/partners/referrals/:id/status',
    {
      config: { signed: true, rawBody: true },
      preValidation: async (req) => {
        // Checked before the body is: a bad id is named, not looked up (PostgreSQL would refuse it).
        const params = IdParams.safeParse(req.params);
        if (!params.success)
          throw new AppError(400, 'invalid_request', 'The referral id in the path must be a UUID.', {
            issues: [{ path: 'params.id', message: 'must be a UUID' }],
          });
        const { id } = params.data;
        const row = await repo.webhookSecretOf(id);
        // One answer whether the referral is unknown, its partner has no secret, or the signature is wrong:
        // an unsigned caller learns nothing about which referrals exist.
        const refused = new AppError(
          401,
          'unauthenticated',
          'The request is not signed correctly: sign "<timestamp>.POST <path>\n<raw body>" with your secret (docs/partners.md). Nothing was changed.',
        );
        if (!row?.webhookSecretSealed || row.webhookSecretKeyVersion === null) throw refused;
        const secret = open(
          key,
          `${row.partnerOrgId}:webhook`,
          row.webhookSecretSealed,
          row.webhookSecretKeyVersion,
        );
        const v = verifyRequest(secret, header(req, TIMESTAMP_HEADER), header(req, SIGNATURE_HEADER), {
          method: req.method,
          path: req.url.split('?')[0] ?? req.url,
          rawBody: req.rawBody ?? '',
        });
        if (!v.ok) throw refused;
      },
      schema: {
        tags,
        summary:
          "A partner's system reports a referral's status, signed with its webhook secret over the method, path and body",
        security: [],
        params: IdParams,
        body: PartnerStatusBody,
        response: { 200: PartnerReferral, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req) => {
      const r = await app.referrals.partnerAct(req.params.id, req.body.status, {
        actor: 'partner-webhook',
        reason: req.body.reason,
        outcome: req.body.outcome,
      });
      if (!r) throw new NotFoundError('That referral');
      return partnerView(key, r);
    },
  );

  async function byToken(token: string) {
    const row = await repo.byAckTokenHash(tokenHash(token));
    if (!row) throw new NotFoundError('This link was used already or');
    if (row.expired)
      throw new AppError(
        410 as 400,
        'invalid_request',
        'This acknowledgement link has expired. Call the 5200 hotline to confirm the referral.',
      );
    return row.id;
  }

  app.get(
    '/api/partners/ack/:token',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          'The page an e-mail acknowledgement link opens (a button; nothing changes until it is pressed)',
        params: TokenParams,
        hide: true,
      },
    },
    async (req, reply) => {
      const id = await byToken(req.params.token);
      const [r] = await referralRows(app.pool, [id]);
      const view = r ? partnerView(key, r) : null;
      const action = `/api/partners/ack/${encodeURIComponent(req.params.token)}`;
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer');
      return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>5200</title></head>
<body><main><h1>Направление от линии 5200 / 5200 линиясынан жолдомо</h1>
<p>${escapeHtml(view?.urgency === 'urgent' ? 'СРОЧНО / ШАШЫЛЫШ' : 'Обычное / Кадимки')}</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit">Подтвердить получение / Алганымды ырастайм</button></form></main></body></html>`;
    },
  );

  app.post(
    '/api/partners/ack/:token',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Acknowledge a referral from its one-time e-mail link',
        params: TokenParams,
        hide: true,
      },
    },
    async (req, reply) => {
      const id = await byToken(req.params.token);
      await app.referrals.partnerAct(id, 'acknowledged', { actor: 'email-link' });
      return reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>5200</title></head><body><main><h1>Спасибо. Получение подтверждено. / Рахмат. Алынганы ырасталды.</h1></main></body></html>',
        );
    },
  );
};
export default partnerPortal;
