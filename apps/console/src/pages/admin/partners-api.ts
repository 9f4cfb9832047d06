import { type CreatePartnerBody, Partner, type PartnerType, type UpdatePartnerBody } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

/** The administrators' partner routes (Administration → Partners). */
export const partnersAdminApi = {
  list: () => api.get('/api/admin/partners', { parse: z.array(Partner) }),
  create: (body: CreatePartnerBody) => api.post('/api/admin/partners', { body, parse: Partner }),
  update: (id: string, body: UpdatePartnerBody) =>
    api.patch('/api/admin/partners/{id}', {
      params: { path: { id } },
      body,
      parse: Partner,
    }),
  makeSecret: (id: string) =>
    api.post('/api/admin/partners/{id}/webhook-secret', {
      params: { path: { id } },
      parse: z.object({ secret: z.string() }),
    }),
  escalation: (type: PartnerType, minutes: number) =>
    api.put('/api/admin/partner-types/{type}/escalation', {
      params: { path: { type } },
      body: { minutes },
      parse: z.object({ type: z.string(), minutes: z.number() }),
    }),
};
