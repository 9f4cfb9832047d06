import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { useAlertsStore } from '../board/alerts-store';

export type RiskSigned = Parameters<ServerToClientEvents['risk:signed']>[0];

const signedListeners = new Set<(e: RiskSigned) => void>();

/** A supervisor decided on a lowered level; the open consultation of that record listens. */
export function onRiskSigned(listener: (e: RiskSigned) => void): () => void {
  signedListeners.add(listener);
  return () => {
    signedListeners.delete(listener);
  };
}

/** Risk pushes over the console's socket: sign-off results for everyone, alerts and requests for supervisors. */
export function followRisk(socket: ConsoleSocket, supervises: boolean): () => void {
  const signed = (e: RiskSigned) => {
    for (const l of signedListeners) l(e);
    if (supervises) useAlertsStore.getState().signed(e);
  };
  const alert: ServerToClientEvents['alert:risk'] = (e) => useAlertsStore.getState().addAlert(e);
  const request: ServerToClientEvents['risk:sign-off-requested'] = (e) =>
    useAlertsStore.getState().addRequest(e);
  socket.on('risk:signed', signed);
  if (supervises) {
    socket.on('alert:risk', alert);
    socket.on('risk:sign-off-requested', request);
  }
  return () => {
    socket.off('risk:signed', signed);
    socket.off('alert:risk', alert);
    socket.off('risk:sign-off-requested', request);
  };
}
