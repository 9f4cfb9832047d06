import {
  LegalHold,
  OkBody,
  RetentionRun,
  RetentionSettings,
  type RetentionSettingsBody,
} from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

/** Retention's admin routes (docs/security.md "Retention"). */
export const retentionApi = {
  settings: () => api.get('/api/admin/retention/settings', { parse: RetentionSettings }),
  saveSettings: (body: RetentionSettingsBody) =>
    api.put('/api/admin/retention/settings', { body, parse: RetentionSettings }),
  runs: () => api.get('/api/admin/retention/runs', { parse: z.array(RetentionRun) }),
  runNow: () => api.post('/api/admin/retention/runs', { parse: RetentionRun }),
  holds: () => api.get('/api/admin/retention/holds', { parse: z.array(LegalHold) }),
  placeHold: (consultation: string, reason: string) =>
    api.put('/api/admin/retention/holds/{consultation}', {
      params: { path: { consultation } },
      body: { reason },
      parse: LegalHold,
    }),
  liftHold: (consultation: string, reason: string) =>
    api.delete('/api/admin/retention/holds/{consultation}', {
      params: { path: { consultation } },
      body: { reason },
      parse: OkBody,
    }),
};
