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

function query(s: ConsultationSearch): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== '') p.set(k, String(v));
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** The signed-in operator's own work (GET /api/me/…), and the lookup of a reference number. */
export const myWorkApi = {
  consultations: (s: ConsultationSearch) => api.get(`/api/me/consultations${query(s)}`, MyConsultationsPage),
  referrals: () => api.get('/api/me/referrals', z.array(Referral)),
  shift: () => api.get('/api/me/shift', ShiftSummary),
  lookup: (reference: string) =>
    api.get(`/api/references/${encodeURIComponent(reference.trim())}`, ReferenceLookup),
};
