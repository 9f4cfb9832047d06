import { ChainEntry, FollowUp, FollowUpList, StartedFollowUp } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

export const followUpsApi = {
  list: (scope: 'mine' | 'shift') =>
    api.get('/api/follow-ups', { params: { query: { scope } }, parse: FollowUpList }),
  take: (id: string) => api.post('/api/follow-ups/{id}/take', { params: { path: { id } }, parse: FollowUp }),
  /** Opens (once) the call-back consultation that does it; the id is made here, so a retry opens the same. */
  start: (id: string, consultationId: string) =>
    api.post('/api/follow-ups/{id}/start', {
      params: { path: { id } },
      body: { consultationId },
      parse: StartedFollowUp,
    }),
  /** Supervisors: hand it to another operator, or back to the shift (null). */
  assign: (id: string, assigneeId: string | null) =>
    api.post('/api/follow-ups/{id}/assign', {
      params: { path: { id } },
      body: { assigneeId },
      parse: FollowUp,
    }),
  missed: (id: string, reason: string) =>
    api.post('/api/follow-ups/{id}/missed', { params: { path: { id } }, body: { reason }, parse: FollowUp }),
  cancel: (id: string, reason: string) =>
    api.post('/api/follow-ups/{id}/cancel', { params: { path: { id } }, body: { reason }, parse: FollowUp }),
  chain: (consultationId: string) =>
    api.get('/api/consultations/{id}/chain', {
      params: { path: { id: consultationId } },
      parse: z.array(ChainEntry),
    }),
};
