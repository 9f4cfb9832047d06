import { ChainEntry, FollowUp, FollowUpList, StartedFollowUp } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

const q = encodeURIComponent;

export const followUpsApi = {
  list: (scope: 'mine' | 'shift') => api.get(`/api/follow-ups?scope=${scope}`, FollowUpList),
  take: (id: string) => api.post(`/api/follow-ups/${q(id)}/take`, {}, FollowUp),
  /** Opens (once) the call-back consultation that does it; the id is made here, so a retry opens the same. */
  start: (id: string, consultationId: string) =>
    api.post(`/api/follow-ups/${q(id)}/start`, { consultationId }, StartedFollowUp),
  /** Supervisors: hand it to another operator, or back to the shift (null). */
  assign: (id: string, assigneeId: string | null) =>
    api.post(`/api/follow-ups/${q(id)}/assign`, { assigneeId }, FollowUp),
  missed: (id: string, reason: string) => api.post(`/api/follow-ups/${q(id)}/missed`, { reason }, FollowUp),
  cancel: (id: string, reason: string) => api.post(`/api/follow-ups/${q(id)}/cancel`, { reason }, FollowUp),
  chain: (consultationId: string) =>
    api.get(`/api/consultations/${q(consultationId)}/chain`, z.array(ChainEntry)),
};
