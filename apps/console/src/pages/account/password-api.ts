import { type ChangePasswordBody, OkBody } from '@korgon/domain';
import { api } from '../../lib/api';

export const passwordApi = {
  /** The server ends the user's other sessions; this one stays. */
  change: (body: ChangePasswordBody) => api.post('/api/me/password', { body, parse: OkBody }),
};
