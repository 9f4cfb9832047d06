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
  snapshot: () => api.get('/api/queue', { parse: QueueSnapshot }),
  /** The consultation draft's id is made here, so a retried request cannot open two drafts. */
  claim: (callId: string, consultationId: string) =>
    api.post('/api/queue/calls/{id}/claim', {
      params: { path: { id: callId } },
      body: { consultationId },
      parse: ClaimResult,
    }),
  setMyStatus: (status: SettableStatus) =>
    api.put('/api/operators/me/status', { body: { status }, parse: OperatorView }),
  /** Opens (or finds) the consultation draft of a call the user has: one per call. */
  openConsultation: (callId: string) =>
    api.post('/api/queue/calls/{id}/consultation', {
      params: { path: { id: callId } },
      parse: OpenConsultationResult,
    }),
  /** A supervisor gives a waiting call, or one answered at an unknown extension, to an operator. */
  assign: (callId: string, operatorId: string) =>
    api.post('/api/queue/calls/{id}/assign', {
      params: { path: { id: callId } },
      body: { operatorId },
      parse: QueueCall,
    }),
  /** A supervisor sets an operator's state from the board (audited). */
  setStatusOf: (operatorId: string, status: SettableStatus) =>
    api.put('/api/operators/{id}/status', {
      params: { path: { id: operatorId } },
      body: { status },
      parse: OperatorView,
    }),
  /** "I need more time": her wrap-up no longer ends by itself. */
  holdWrapUp: () => api.post('/api/operators/me/wrap-up/hold', { parse: OperatorView }),
  /** "Not now" to the short break offered after a critical call. */
  declineBreak: () => api.delete('/api/operators/me/break-offer', { parse: OperatorView }),
  outcomes: () => api.get('/api/queue/outcomes', { parse: CallOutcomes }),
};
