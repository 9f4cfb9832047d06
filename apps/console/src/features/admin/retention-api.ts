import {
  LegalHold,
  OkBody,
  RetentionRun,
  RetentionSettings,
  type RetentionSettingsBody,
} from '@korgon/domain';
import { z } from 'zod';
import { api, request } from '../../lib/api';

const q = encodeURIComponent;

/** Retention's admin routes (docs/security.md "Retention"). */
export const retentionApi = {
  settings: () => api.get('/api/admin/retention/settings', RetentionSettings),
  saveSettings: (body: RetentionSettingsBody) =>
    api.put('/api/admin/retention/settings', body, RetentionSettings),
  runs: () => api.get('/api/admin/retention/runs', z.array(RetentionRun)),
  runNow: () => api.post('/api/admin/retention/runs', {}, RetentionRun),
  holds: () => api.get('/api/admin/retention/holds', z.array(LegalHold)),
  placeHold: (consultation: string, reason: string) =>
    api.put(`/api/admin/retention/holds/${q(consultation)}`, { reason }, LegalHold),
  liftHold: (consultation: string, reason: string) =>
    request(`/api/admin/retention/holds/${q(consultation)}`, {
      method: 'DELETE',
      body: { reason },
      parse: OkBody,
    }),
};
