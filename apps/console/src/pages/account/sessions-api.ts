import { OkBody, SessionInfo } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

const SessionList = z.array(SessionInfo);

export const sessionsApi = {
  list: () => api.get('/api/auth/sessions', { parse: SessionList }),
  end: (id: string) => api.delete('/api/auth/sessions/{id}', { params: { path: { id } }, parse: OkBody }),
};
