import {
  type AlertSettings,
  type AlertSyncer,
  alertViews,
  createAlertSyncer,
  listAlerts,
} from '@korgon/board';
import { type Db, writeAudit } from '@korgon/db';
import { type AlertList, type BoardAlert, type Clock, rooms } from '@korgon/domain';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { NotFoundError } from '../../errors';
import type { KorgonIo } from '../../plugins/socket';
import type { SessionUser } from '../auth/repository';
import { createAlertsRepository } from './repository';

export interface AlertsDeps {
  pool: pg.Pool;
  db: Db;
  io: KorgonIo;
  log: FastifyBaseLogger;
  clock: Clock;
  settings: AlertSettings;
  /** After alerts changed: the board's figures count the open ones. */
  changed?: () => void;
}

/**
 * The supervisor's alerts in the server (docs/board.md "Alerts"): a coalesced sync after every change that
 * may raise or end one (`kick`), the list, and acknowledgement. Every change is pushed as `alert:changed` to
 * the supervisors of every server process.
 */
export function createAlertsService(d: AlertsDeps) {
  const push = (alerts: readonly BoardAlert[]) => {
    for (const a of alerts) d.io.to(rooms.role('supervisor')).emit('alert:changed', a);
    if (alerts.length > 0) d.changed?.();
  };
  const syncer: AlertSyncer = createAlertSyncer({
    pool: d.pool,
    clock: d.clock,
    settings: d.settings,
    changed: push,
    onError: (err) => d.log.warn({ err: { message: err.message } }, 'alerts could not be synced'),
  });

  return {
    /** Something that may raise or end an alert was committed: sync shortly (coalesced, never throws). */
    kick: syncer.kick,
    stop: syncer.stop,

    async list(): Promise<AlertList> {
      const now = d.clock.now();
      return { serverTime: now.toISOString(), alerts: await listAlerts(d.pool, now) };
    },

    /**
     * Acknowledges an alert (audited, pushed). Idempotent: an alert acknowledged before is answered as it is,
     * naming who acknowledged it; a resolved one can still be acknowledged.
     */
    async acknowledge(id: string, actor: SessionUser): Promise<BoardAlert> {
      const acknowledged = await d.db.transaction(async (tx) => {
        const row = await createAlertsRepository(tx).acknowledge(id, actor.id, d.clock.now());
        if (!row) return false;
        await writeAudit(tx, {
          action: 'alert.acknowledged',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'alert',
          targetId: id,
          details: { kind: row.kind, state: row.state },
        });
        return true;
      });
      const [view] = await alertViews(d.pool, [id]);
      if (!view) throw new NotFoundError('That alert');
      if (acknowledged) push([view]);
      return view;
    },
  };
}
export type AlertsService = ReturnType<typeof createAlertsService>;
