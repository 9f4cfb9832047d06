import { type Locale, type LoginBody, Me, OkBody } from '@korgon/domain';
import { api } from '../../lib/api';

export const authApi = {
  /** The current user, or a 401 when nobody is signed in on this device. */
  me: (expectUnauthenticated = false) => api.get('/api/auth/me', Me, expectUnauthenticated),
  login: (body: LoginBody) => api.post('/api/auth/login', body, Me, true),
  logout: () => api.post('/api/auth/logout', undefined, OkBody, true),
  setLocale: (locale: Locale) => api.patch('/api/me', { locale }, Me),
};
