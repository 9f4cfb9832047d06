import { randomBytes } from 'node:crypto';
import { inTransaction, writeAudit } from '@korgon/db';
import { CreatePartnerBody, ErrorBody, Partner, PartnerType, UpdatePartnerBody } from '@korgon/domain';
import { type WebhookPolicy, webhookUrlRefusal } from '@korgon/referrals';
import { type NotesKeyOptions, notesKeyringOf, seal } from '@korgon/signing';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ConflictError, isUniqueViolation, NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';

const tags = ['partners'];
const guarded = { 401: ErrorBody, 403: ErrorBody };
const IdParams = z.object({ id: z.uuid('The partner id must be a UUID.') });

interface Row {
  id: string;
  slug: string;
  name: Partner['name'];
  type: Partner['type'];
  regions: string[];
  languages: string[];
  hours: Partner['hours'];
  channel: Partner['channel'];
  webhook_url: string | null;
  email: string | null;
  contacts: Partner['contacts'];
  active: boolean;
  webhook_secret_sealed: Buffer | null;
}

const toPartner = (r: Row): Partner => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  type: r.type,
  regions: r.regions,
  languages: r.languages,
  hours: r.hours,
  channel: r.channel,
  webhookUrl: r.webhook_url,
  email: r.email,
  contacts: r.contacts,
  active: r.active,
  hasWebhookSecret: r.webhook_secret_sealed !== null,
});

/** The partner registry (docs/domain.md §7): admins keep it; operators read it to choose a referral's target. */
const partners: FastifyPluginAsyncZod<NotesKeyOptions & { webhookPolicy: WebhookPolicy }> = async (
  app,
  opts,
) => {
  /** A webhook URL that breaks the installation's policy is a 400 naming the field and saying why. */
  const checkWebhookUrl = async (url: string) => {
    const refused = await webhookUrlRefusal(url, opts.webhookPolicy);
    if (refused)
      throw new AppError(400, 'invalid_request', `This webhook URL cannot be used: ${refused}.`, {
        issues: [{ path: 'body.webhookUrl', message: refused }],
      });
  };
  const key = notesKeyringOf(opts);
  const list = async (activeOnly: boolean) =>
    (
      await app.pool.query<Row>(
        `SELECT * FROM partner_orgs ${activeOnly ? 'WHERE active' : ''} ORDER BY type, slug`,
      )
    ).rows.map(toPartner);

  app.get(
    '/api/partners',
    {
      config: { permission: 'partners:read' },
      schema: {
        tags,
        summary: 'Active partner organisations',
        response: { 200: z.array(Partner), ...guarded },
      },
    },
    async () => list(true),
  );
  app.get(
    '/api/admin/partners',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary: 'All partner organisations',
        response: { 200: z.array(Partner), ...guarded },
      },
    },
    async () => list(false),
  );

  const audit = (
    actor: { id: string; role: string },
    action: 'partner.created' | 'partner.updated' | 'partner.secret_rotated',
    id: string,
    details = {},
  ) =>
    writeAudit(app.pool, {
      action,
      actorId: actor.id,
      actorRole: actor.role,
      targetType: 'partner',
      targetId: id,
      details,
    });

  app.post(
    '/api/admin/partners',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Add a partner organisation',
        body: CreatePartnerBody,
        response: { 201: Partner, 400: ErrorBody, 409: ErrorBody, ...guarded },
        description:
          'A webhook URL must be https: and lead to a public address, unless PARTNER_WEBHOOK_ALLOW_HTTP / PARTNER_WEBHOOK_ALLOW_PRIVATE say otherwise.',
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.channel === 'webhook' && b.webhookUrl) await checkWebhookUrl(b.webhookUrl);
      try {
        const { rows } = await app.pool.query<Row>(
          `INSERT INTO partner_orgs (slug, name, type, regions, languages, hours, channel, webhook_url, email, contacts, active)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
          [
            b.slug,
            JSON.stringify(b.name),
            b.type,
            b.regions,
            b.languages,
            JSON.stringify(b.hours),
            b.channel,
            b.webhookUrl,
            b.email,
            JSON.stringify(b.contacts),
            b.active,
          ],
        );
        const row = rows[0] as Row;
        await audit(authOf(req).user, 'partner.created', row.id, { type: b.type, channel: b.channel });
        return reply.code(201).send(toPartner(row));
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ConflictError(`A partner with the short name "${b.slug}" exists already.`);
        throw err;
      }
    },
  );

  app.patch(
    '/api/admin/partners/:id',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Change a partner organisation (channel, regions, hours, active …)',
        params: IdParams,
        body: UpdatePartnerBody,
        response: { 200: Partner, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const b = req.body;
      if (b.webhookUrl) await checkWebhookUrl(b.webhookUrl);
      const columns: Record<string, unknown> = {
        slug: b.slug,
        name: b.name && JSON.stringify(b.name),
        type: b.type,
        regions: b.regions,
        languages: b.languages,
        hours: b.hours && JSON.stringify(b.hours),
        channel: b.channel,
        webhook_url: b.webhookUrl,
        email: b.email,
        contacts: b.contacts && JSON.stringify(b.contacts),
        active: b.active,
      };
      const entries = Object.entries(columns).filter(([, v]) => v !== undefined);
      const row = await inTransaction(app.pool, async (c) => {
        const { rows } = await c.query<Row>(
          `UPDATE partner_orgs SET ${entries.map(([k], i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`,
          [req.params.id, ...entries.map(([, v]) => v)],
        );
        const updated = rows[0];
        if (!updated) throw new NotFoundError('That partner');
        if (updated.channel === 'webhook' && !updated.webhook_url)
          throw new ConflictError('A webhook partner needs its webhook URL.');
        if (updated.channel === 'email' && !updated.email)
          throw new ConflictError('An e-mail partner needs its address.');
        await writeAudit(c, {
          action: 'partner.updated',
          actorId: authOf(req).user.id,
          actorRole: authOf(req).user.role,
          targetType: 'partner',
          targetId: req.params.id,
          details: { fields: entries.map(([k]) => k) },
        });
        return updated;
      });
      return toPartner(row);
    },
  );

  app.post(
    '/api/admin/partners/:id/webhook-secret',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary:
          "Make a new webhook signing secret for a partner; it is shown once, give it to the partner's integrator",
        params: IdParams,
        response: { 200: z.object({ secret: z.string() }), 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const secret = randomBytes(32).toString('base64url');
      const { rowCount } = await app.pool.query(
        'UPDATE partner_orgs SET webhook_secret_sealed = $2, webhook_secret_key_version = $3, updated_at = now() WHERE id = $1',
        [req.params.id, seal(key, `${req.params.id}:webhook`, secret), key.version],
      );
      if (!rowCount) throw new NotFoundError('That partner');
      await audit(authOf(req).user, 'partner.secret_rotated', req.params.id);
      return { secret };
    },
  );

  app.get(
    '/api/admin/partner-types/escalation',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Escalation minutes per partner type (types not listed use the default of 15)',
        response: { 200: z.array(z.object({ type: PartnerType, minutes: z.number() })), ...guarded },
      },
    },
    async () =>
      (
        await app.pool.query<{ type: Partner['type']; minutes: number }>(
          'SELECT type, escalation_minutes AS minutes FROM partner_type_settings ORDER BY type',
        )
      ).rows,
  );

  app.put(
    '/api/admin/partner-types/:type/escalation',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Minutes an urgent referral to this type of partner may wait for acknowledgement',
        params: z.object({ type: PartnerType }),
        body: z
          .object({
            minutes: z
              .number()
              .int()
              .min(1)
              .max(24 * 60),
          })
          .strict(),
        response: { 200: z.object({ type: PartnerType, minutes: z.number() }), ...guarded },
      },
    },
    async (req) => {
      await app.pool.query(
        `INSERT INTO partner_type_settings (type, escalation_minutes) VALUES ($1, $2)
         ON CONFLICT (type) DO UPDATE SET escalation_minutes = EXCLUDED.escalation_minutes`,
        [req.params.type, req.body.minutes],
      );
      return { type: req.params.type, minutes: req.body.minutes };
    },
  );
};
export default partners;
