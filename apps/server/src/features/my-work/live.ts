import { type MyWorkChanged, rooms } from '@korgon/domain';
import type { KorgonIo } from '../../plugins/socket';

/**
 * "My work" on every device: one of the user's consultations was created or finalized, so her other consoles
 * read their lists again (docs/realtime.md). Sent after the commit, to her own room only; ids only.
 */
export function pushMyWork(io: KorgonIo) {
  return (e: { id: string; operatorId: string; change: MyWorkChanged['change'] }) => {
    io.to(rooms.user(e.operatorId)).emit('my-work:changed', { consultationId: e.id, change: e.change });
  };
}
