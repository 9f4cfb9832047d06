import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';

export type RiskSigned = Parameters<ServerToClientEvents['risk:signed']>[0];

const signedListeners = new Set<(e: RiskSigned) => void>();

/** A supervisor decided on a lowered level; the open consultation of that record listens. */
export function onRiskSigned(listener: (e: RiskSigned) => void): () => void {
  signedListeners.add(listener);
  return () => {
    signedListeners.delete(listener);
  };
}

/**
 * Sign-off results over the console's socket (the operator's open consultation). The supervisors' side (the
 * requests, the critical levels) is their persistent alerts: board/alerts-live.ts.
 */
export function followRisk(socket: ConsoleSocket): () => void {
  const signed = (e: RiskSigned) => {
    for (const l of signedListeners) l(e);
  };
  socket.on('risk:signed', signed);
  return () => {
    socket.off('risk:signed', signed);
  };
}
