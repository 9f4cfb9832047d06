import { type QueueChange, rooms, type ServerToClientEvents } from '@korgon/domain';
import type { Publish } from '@korgon/queue';
import { partnerView, type ReferralPush, staffViewOf, staffViewRows } from '@korgon/referrals';
import type { SealKey } from '@korgon/signing';
import type { Emitter } from '@socket.io/redis-emitter';
import type pg from 'pg';

export type KorgonEmitter = Emitter<ServerToClientEvents>;

/** Live queue changes from the worker (a wrap-up that ended), to the same rooms the servers push them to. */
export function createWorkerPublish(emitter: KorgonEmitter): Publish {
  return (changes: readonly QueueChange[]) => {
    for (const change of changes)
      emitter.to([rooms.role('operator'), rooms.role('supervisor')]).emit('queue:change', change);
  };
}

/** The worker's way to tell consoles and partner portals: through the servers' Redis adapter channel. */
export function createWorkerReferralPush(emitter: KorgonEmitter): ReferralPush {
  return {
    staff: (r, createdBy) =>
      emitter.to([rooms.user(createdBy), rooms.role('supervisor')]).emit('referral:changed', r),
    partner: (org, r) => emitter.to(rooms.partner(org)).emit('partner:referral', r),
    alert: (a) => emitter.to(rooms.role('supervisor')).emit('alert:referral', a),
  };
}

/**
 * Reads a referral once (one query, with its events) and pushes its staff view and, once the partner has it,
 * the partner's view.
 */
export async function publishReferral(
  pool: pg.Pool,
  key: SealKey,
  push: ReferralPush,
  id: string,
): Promise<void> {
  const [row] = await staffViewRows(pool, [id]);
  if (!row) return;
  const view = staffViewOf(key, row);
  push.staff(view, view.createdBy.id);
  if (row.status !== 'queued' && row.status !== 'revoked')
    push.partner(row.partner_org_id, partnerView(key, row));
}
