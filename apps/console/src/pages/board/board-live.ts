import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { attentionChanged } from './attention-store';
import { loadFigures, useFiguresStore } from './figures-store';

/**
 * The board's pushes over the console's socket (supervisors): `board:figures` replaces the figures (newest
 * `at` wins); referral and follow-up changes, and figures whose attention counts moved, have the lists read
 * again; every reconnect reads both, since pushes may have been missed while away.
 */
export function followBoard(socket: ConsoleSocket): () => void {
  const figures: ServerToClientEvents['board:figures'] = (f) => useFiguresStore.getState().offer(f);
  const changed = () => attentionChanged();
  const connected = () => {
    if (useFiguresStore.getState().watchers > 0) void loadFigures();
    attentionChanged();
  };
  const unsubscribe = useFiguresStore.subscribe((s, prev) => {
    if (s.attentionEpoch !== prev.attentionEpoch && prev.figures !== null) attentionChanged();
  });
  socket.on('board:figures', figures);
  socket.on('referral:changed', changed);
  socket.on('follow-up:changed', changed);
  socket.on('follow-up:raised', changed);
  socket.on('connect', connected);
  return () => {
    unsubscribe();
    socket.off('board:figures', figures);
    socket.off('referral:changed', changed);
    socket.off('follow-up:changed', changed);
    socket.off('follow-up:raised', changed);
    socket.off('connect', connected);
  };
}
