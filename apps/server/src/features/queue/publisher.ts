import { type QueueChange, rooms } from '@korgon/domain';
import type { Publish } from '@korgon/queue';
import type { KorgonIo } from '../../plugins/socket';

/** Roles that watch the live queue (the permission table's queue:read). */
export const QUEUE_ROOMS = [rooms.role('operator'), rooms.role('supervisor')];

/** Pushes committed changes, in version order, to every console in every server process. */
export function createPublisher(io: KorgonIo): Publish {
  return (changes: readonly QueueChange[]) => {
    for (const change of changes) io.to(QUEUE_ROOMS).emit('queue:change', change);
  };
}
