import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { alertsApi } from './alerts-api';
import { playAlertTone } from './alerts-sound';
import { useAlertsStore } from './alerts-store';

/** Reads the alerts (and the reasons of pending sign-offs) and replaces what the store holds. */
export async function loadAlerts(): Promise<void> {
  const store = useAlertsStore.getState();
  const since = store.seq;
  try {
    const [list, signOffs] = await Promise.all([alertsApi.list(), alertsApi.signOffs()]);
    const reasons = Object.fromEntries(signOffs.map((s) => [s.assessmentId, s.reason]));
    useAlertsStore.getState().replace(list.alerts, reasons, since);
  } catch (error) {
    useAlertsStore.getState().failed(error);
  }
}

/**
 * The supervisor's alerts over the console's socket, wherever the supervisor is in the console: read on every
 * (re)connect, `alert:changed` merged in; a new open alert sounds (unless muted). Sign-off requests bring the
 * operator's reason for the override alert's form.
 */
export function followAlerts(socket: ConsoleSocket): () => void {
  const changed: ServerToClientEvents['alert:changed'] = (a) => {
    const store = useAlertsStore.getState();
    if (store.merge(a, true) && !store.muted) playAlertTone();
  };
  const requested: ServerToClientEvents['risk:sign-off-requested'] = (e) =>
    useAlertsStore.getState().signOffRequested(e);
  const connected = () => void loadAlerts();
  socket.on('alert:changed', changed);
  socket.on('risk:sign-off-requested', requested);
  socket.on('connect', connected);
  if (socket.connected) connected();
  return () => {
    socket.off('alert:changed', changed);
    socket.off('risk:sign-off-requested', requested);
    socket.off('connect', connected);
  };
}
