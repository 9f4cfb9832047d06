import { KeyStatus, ReencryptRun } from '@korgon/domain';
import { api } from '../../lib/api';

/** Key rotation's admin routes (docs/security.md "Key rotation"): versions and counts, never key material. */
export const keysApi = {
  status: () => api.get('/api/admin/keys', { parse: KeyStatus }),
  reencryptNow: () => api.post('/api/admin/keys/reencrypt', { parse: ReencryptRun }),
};
