import { ClaimResult, OperatorView, QueueSnapshot } from '@korgon/domain';
import { api } from '../../lib/api';

export type SettableStatus = 'available' | 'break' | 'offline';

export const queueApi = {
  snapshot: () => api.get('/api/queue', QueueSnapshot),
  /** The consultation draft's id is made here, so a retried request cannot open two drafts. */
  claim: (callId: string, consultationId: string) =>
    api.post(`/api/queue/calls/${encodeURIComponent(callId)}/claim`, { consultationId }, ClaimResult),
  setMyStatus: (status: SettableStatus) => api.put('/api/operators/me/status', { status }, OperatorView),
};
