import { ExportCreated, ExportList, type ExportRequest, type Locale } from '@korgon/domain';
import { api } from '../../lib/api';

/** The user's exports (docs/statistics.md "Exports"). */
export const exportsApi = {
  list: () => api.get('/api/exports', { parse: ExportList }),
  start: (r: ExportRequest) => api.post('/api/exports', { body: r, parse: ExportCreated }),
  monthly: (month: string, locale: Locale) =>
    api.post('/api/exports/monthly', { params: { query: { month, locale } }, parse: ExportCreated }),
};

export const exportFileUrl = (id: string) => `/api/exports/${encodeURIComponent(id)}/file`;
