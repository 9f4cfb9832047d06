import type { AlertSettings } from '@korgon/board';
import { AlertIdParams, AlertList, BoardAlert, type Clock, ErrorBody } from '@korgon/domain';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth';
import { type AlertsService, createAlertsService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The supervisor's alerts. Every feature whose commits may raise or end one (queue changes, risk saves and
     * sign-offs, referral and follow-up changes) calls `app.alerts.kick()` after its commit.
     */
    alerts: AlertsService;
  }
}

const tags = ['alerts'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/**
 * Alerts that stay until a person handles them (docs/board.md "Alerts"): decorated at the root (so every
 * feature can kick a sync) with its routes; its sync is stopped before the app closes.
 */
export default fp(
  async (instance: FastifyInstance, opts: { clock: Clock; settings: AlertSettings }) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const service = createAlertsService({
      pool: app.pool,
      db: app.db,
      io: app.io,
      log: app.log,
      clock: opts.clock,
      settings: opts.settings,
      // The board's figures count open alerts (when the board is part of this app).
      changed: () => (app as { board?: { kick?: () => void } }).board?.kick?.(),
    });
    app.decorate('alerts', service);
    app.addHook('preClose', () => service.stop());

    app.get(
      '/api/alerts',
      {
        config: { permission: 'board:use' },
        schema: {
          tags,
          summary:
            'The supervisor’s alerts: every open one, and those acknowledged or resolved in the last 12 hours, newest first. Ids, references, levels and staff and partner names only; changes are pushed as alert:changed',
          response: { 200: AlertList, ...guarded },
        },
      },
      async () => service.list(),
    );

    app.post(
      '/api/alerts/:id/acknowledge',
      {
        config: { permission: 'board:use' },
        schema: {
          tags,
          summary:
            'Acknowledge an alert (audited, pushed). Idempotent: an alert acknowledged already is answered as it is, naming who acknowledged it; a resolved one can still be acknowledged. A critical risk or a consent exception is resolved by its acknowledgement',
          params: AlertIdParams,
          response: { 200: BoardAlert, 400: ErrorBody, 404: ErrorBody, ...guarded },
        },
      },
      async (req) => service.acknowledge(req.params.id, authOf(req).user),
    );
  },
  { name: 'alerts', dependencies: ['db', 'socket'] },
);
