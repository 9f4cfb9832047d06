import {
  CallOutcomes,
  ClaimResult,
  OpenConsultationResult,
  OperatorView,
  QueueCall,
  QueueSnapshot,
} from '@korgon/domain';
import { api } from '../../lib/api';

export type SettableStatus = 'available' | 'break' | 'offline';

export const queueApi = {
  snapshot: () => api.get('/api/queue', QueueSnapshot),
  /** The consultation draft's id is made here, so a retried request cannot open two drafts. */
  claim: (callId: string, consultationId: string) =>
    api.post(`/api/queue/calls/${encodeURIComponent(callId)}/claim`, { consultationId }, ClaimResult),
  setMyStatus: (status: SettableStatus) => api.put('/api/operators/me/status', { status }, OperatorView),
  /** Opens (or finds) the consultation draft of a call the user has: one per call. */
  openConsultation: (callId: string) =>
    api.post(`/api/queue/calls/${encodeURIComponent(callId)}/consultation`, {}, OpenConsultationResult),
  /** A supervisor gives a waiting call, or one answered at an unknown extension, to an operator. */
  assign: (callId: string, operatorId: string) =>
    api.post(`/api/queue/calls/${encodeURIComponent(callId)}/assign`, { operatorId }, QueueCall),
  /** A supervisor sets an operator's state from the board (audited). */
  setStatusOf: (operatorId: string, status: SettableStatus) =>
    api.put(`/api/operators/${encodeURIComponent(operatorId)}/status`, { status }, OperatorView),
  /** "I need more time": her wrap-up no longer ends by itself. */
  holdWrapUp: () => api.post('/api/operators/me/wrap-up/hold', {}, OperatorView),
  /** "Not now" to the short break offered after a critical call. */
  declineBreak: () => api.delete('/api/operators/me/break-offer', OperatorView),
  outcomes: () => api.get('/api/queue/outcomes', CallOutcomes),
};
