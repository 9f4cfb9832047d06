import { randomBytes } from 'node:crypto';
import { writeAudit } from '@korgon/db';
import {
  CreatePartnerBody,
  ErrorBody,
  EscalationBody,
  Partner,
  PartnerType,
  partnerChannelGap,
  UpdatePartnerBody,
} from '@korgon/domain';
import { type WebhookPolicy, webhookUrlRefusal } from '@korgon/referrals';
import { type NotesKeyOptions, notesKeyringOf, seal } from '@korgon/signing';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ConflictError, isUniqueViolation, NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createPartnersRepository, type PartnerChanges, type PartnerRow } from './repository';

const tags = ['partners'];
const guarded = { 401: ErrorBody, 403: ErrorBody };
const IdParams = z.object({ id: z.uuid('The partner id must be a UUID.') });

// The jsonb columns hold what the API validated on the way in (CreatePartnerBody, UpdatePartnerBody).
const toPartner = (r: PartnerRow): Partner => ({
  id: r.id,
  slug: r.slug,
  name: r.name,
  type: r.type,
  regions: r.regions,
  languages: r.languages,
  hours: r.hours as Partner['hours'],
  channel: r.channel,
  webhookUrl: r.webhookUrl,
  email: r.email,
  contacts: r.contacts as Partner['contacts'],
  active: r.active,
  hasWebhookSecret: r.webhookSecretSealed !== null,
});

/** The columns a change names, as the audit log records them. */
const COLUMN_OF: Record<keyof PartnerChanges, string> = {
  slug: 'slug',
  name: 'name',
  type: 'type',
  regions: 'regions',
  languages: 'languages',
  hours: 'hours',
  channel: 'channel',
  webhookUrl: 'webhook_url',
  email: 'email',
  contacts: 'contacts',
  active: 'active',
};

const slugTaken = (slug: string) =>
  new ConflictError(`A partner with the short name "${slug}" exists already.`);

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
  const repo = createPartnersRepository(app.db);
  const list = async (activeOnly: boolean) => (await repo.list(activeOnly)).map(toPartner);

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
    writeAudit(app.db, {
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
      let row: PartnerRow | undefined;
      try {
        // The body is strict: exactly the partner's columns, nothing else.
        row = await repo.insert(b);
      } catch (err) {
        if (isUniqueViolation(err)) throw slugTaken(b.slug);
        throw err;
      }
      if (!row) throw new Error('the partner just inserted was not returned');
      await audit(authOf(req).user, 'partner.created', row.id, { type: b.type, channel: b.channel });
      return reply.code(201).send(toPartner(row));
    },
  );

  app.patch(
    '/api/admin/partners/:id',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary:
          'Change a partner organisation (channel, regions, hours, active …); 409 when the short name is taken or the channel lacks its address',
        params: IdParams,
        body: UpdatePartnerBody,
        response: { 200: Partner, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const b = req.body;
      if (b.webhookUrl) await checkWebhookUrl(b.webhookUrl);
      const changes: PartnerChanges = b;
      const fields = (Object.keys(COLUMN_OF) as (keyof PartnerChanges)[])
        .filter((k) => changes[k] !== undefined)
        .map((k) => COLUMN_OF[k]);
      const { user } = authOf(req);
      try {
        const row = await app.db.transaction(async (tx) => {
          const updated = await createPartnersRepository(tx).update(req.params.id, changes);
          if (!updated) throw new NotFoundError('That partner');
          // The body's channel rule, on the row as the change leaves it.
          const gap = partnerChannelGap(updated);
          if (gap) throw new ConflictError(`${gap.message.charAt(0).toUpperCase()}${gap.message.slice(1)}.`);
          await writeAudit(tx, {
            action: 'partner.updated',
            actorId: user.id,
            actorRole: user.role,
            targetType: 'partner',
            targetId: req.params.id,
            details: { fields },
          });
          return updated;
        });
        return toPartner(row);
      } catch (err) {
        if (b.slug !== undefined && isUniqueViolation(err)) throw slugTaken(b.slug);
        throw err;
      }
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
      const stored = await repo.setWebhookSecret(
        req.params.id,
        seal(key, `${req.params.id}:webhook`, secret),
        key.version,
      );
      if (!stored) throw new NotFoundError('That partner');
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
    async () => repo.escalations(),
  );

  app.put(
    '/api/admin/partner-types/:type/escalation',
    {
      config: { permission: 'partners:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Minutes an urgent referral to this type of partner may wait for acknowledgement',
        params: z.object({ type: PartnerType }),
        body: EscalationBody,
        response: { 200: z.object({ type: PartnerType, minutes: z.number() }), ...guarded },
      },
    },
    async (req) => {
      await repo.setEscalation(req.params.type, req.body.minutes);
      return { type: req.params.type, minutes: req.body.minutes };
    },
  );
};
export default partners;
