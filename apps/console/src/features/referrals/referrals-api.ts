import {
  type CreateReferralBody,
  Partner,
  PartnerReferral,
  type PartnerStatusBody,
  PartnerSuggestion,
  Referral,
} from '@korgon/domain';
import { z } from 'zod';
import { ApiError, api } from '../../lib/api';

const q = encodeURIComponent;

export type Suggestion = z.infer<typeof PartnerSuggestion>;

export const referralsApi = {
  partners: () => api.get('/api/partners', z.array(Partner)),
  suggestions: (consultationId: string) =>
    api.get(`/api/referrals/suggestions?consultationId=${q(consultationId)}`, z.array(PartnerSuggestion)),
  ofConsultation: (consultationId: string) =>
    api.get(`/api/referrals?consultationId=${q(consultationId)}`, z.array(Referral)),
  /** Supervisors: every open referral. */
  open: () => api.get('/api/referrals', z.array(Referral)),
  create: (body: CreateReferralBody) => api.post('/api/referrals', body, Referral),
  revoke: (id: string) => api.post(`/api/referrals/${q(id)}/revoke`, {}, Referral),
  retry: (id: string) => api.post(`/api/referrals/${q(id)}/retry`, {}, Referral),
  redirect: (id: string, partnerId: string, newId: string) =>
    api.post(`/api/referrals/${q(id)}/redirect`, { partnerId, newId }, Referral),
  /** The partner portal: the organisation's own referrals. */
  inbox: () => api.get('/api/partner/referrals', z.array(PartnerReferral)),
  act: (id: string, body: PartnerStatusBody) =>
    api.post(`/api/partner/referrals/${q(id)}/status`, body, PartnerReferral),
};

/** No answer, or "try again later": a send is retried with the same id, which never makes a second referral. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.status === 429);
}

/** Sends a referral, retrying transient failures with the same id (the server answers 200 for a repeat). */
export async function sendReferral(body: CreateReferralBody, attempts = 3): Promise<Referral> {
  for (let i = 1; ; i++) {
    try {
      return await referralsApi.create(body);
    } catch (error) {
      if (i >= attempts || !isRetryable(error)) throw error;
      await new Promise((resolve) => window.setTimeout(resolve, 500 * 2 ** (i - 1)));
    }
  }
}
