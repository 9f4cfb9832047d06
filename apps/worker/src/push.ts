import {
  QUEUE_ROOMS,
  type QueueChange,
  referralStaffRooms,
  rooms,
  type ServerToClientEvents,
} from '@korgon/domain';
import type { Publish } from '@korgon/queue';
import { partnerView, type ReferralPush, staffViewOf, staffViewRows } from '@korgon/referrals';
import type { SealKey } from '@korgon/signing';
import type { Emitter } from '@socket.io/redis-emitter';
import type pg from 'pg';

export type KorgonEmitter = Emitter<ServerToClientEvents>;

/**
 * Live queue changes from the worker (a wrap-up that ended), to the same rooms the servers push them to;
 * `changed` follows (the board's figures).
 */
export function createWorkerPublish(
  emitter: KorgonEmitter,
  changed: () => void = () => {},
  /** Told the push lag in seconds (the worker's metrics). */
  lag?: (seconds: number) => void,
): Publish {
  return (changes: readonly QueueChange[], began?: number) => {
    for (const change of changes) emitter.to(QUEUE_ROOMS).emit('queue:change', change);
    if (began !== undefined) lag?.((performance.now() - began) / 1000);
    changed();
  };
}

/**
 * The worker's way to tell consoles and partner portals: through the servers' Redis adapter channel;
 * `changed` follows every referral change (the board's figures).
 */
export function createWorkerReferralPush(
  emitter: KorgonEmitter,
  changed: () => void = () => {},
): ReferralPush {
  return {
    staff: (r, createdBy) => {
      emitter.to(referralStaffRooms(createdBy)).emit('referral:changed', r);
      changed();
    },
    partner: (org, r) => emitter.to(rooms.partner(org)).emit('partner:referral', r),
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
    push.partner(row.partnerOrgId, partnerView(key, row));
}
