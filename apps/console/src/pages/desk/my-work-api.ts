import { MyConsultationsPage, ReferenceLookup, Referral, ShiftSummary } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

export interface ConsultationSearch {
  status?: 'draft' | 'final';
  day?: string;
  recentDays?: number;
  contactKind?: string;
  riskLevel?: string;
  reference?: string;
  page?: number;
  pageSize?: number;
}

/** The search without its empty fields: an empty box is no filter. */
function query(s: ConsultationSearch): ConsultationSearch {
  return Object.fromEntries(
    Object.entries(s).filter(([, v]) => v !== undefined && v !== ''),
  ) as ConsultationSearch;
}

/** The signed-in operator's own work (GET /api/me/…), and the lookup of a reference number. */
export const myWorkApi = {
  consultations: (s: ConsultationSearch) =>
    api.get('/api/me/consultations', { params: { query: query(s) }, parse: MyConsultationsPage }),
  referrals: () => api.get('/api/me/referrals', { parse: z.array(Referral) }),
  shift: () => api.get('/api/me/shift', { parse: ShiftSummary }),
  lookup: (reference: string) =>
    api.get('/api/references/{reference}', {
      params: { path: { reference: reference.trim() } },
      parse: ReferenceLookup,
    }),
};
