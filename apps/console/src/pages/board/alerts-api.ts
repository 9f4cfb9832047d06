import { AlertList, BoardAlert, PendingSignOff } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

export const alertsApi = {
  /** Open alerts, and those acknowledged or resolved in the last 12 hours (docs/board.md "Alerts"). */
  list: () => api.get('/api/alerts', { parse: AlertList }),
  acknowledge: (id: string) =>
    api.post('/api/alerts/{id}/acknowledge', { params: { path: { id } }, parse: BoardAlert }),
  /** Lowered levels waiting for a sign-off, with the operator's reason (shown in the override alert). */
  signOffs: () => api.get('/api/risk/sign-offs', { parse: z.array(PendingSignOff) }),
};
