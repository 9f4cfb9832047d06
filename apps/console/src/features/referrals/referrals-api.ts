import {
  backoffDelay,
  type CreateReferralBody,
  Partner,
  PartnerReferral,
  type PartnerStatusBody,
  PartnerSuggestion,
  Referral,
} from '@korgon/domain';
import { z } from 'zod';
import { ApiError, api } from '../../lib/api';

export type Suggestion = z.infer<typeof PartnerSuggestion>;

export const referralsApi = {
  partners: () => api.get('/api/partners', { parse: z.array(Partner) }),
  suggestions: (consultationId: string) =>
    api.get('/api/referrals/suggestions', {
      params: { query: { consultationId } },
      parse: z.array(PartnerSuggestion),
    }),
  ofConsultation: (consultationId: string) =>
    api.get('/api/referrals', { params: { query: { consultationId } }, parse: z.array(Referral) }),
  /** Supervisors: every open referral. */
  open: () => api.get('/api/referrals', { parse: z.array(Referral) }),
  create: (body: CreateReferralBody) => api.post('/api/referrals', { body, parse: Referral }),
  revoke: (id: string) =>
    api.post('/api/referrals/{id}/revoke', { params: { path: { id } }, parse: Referral }),
  retry: (id: string) => api.post('/api/referrals/{id}/retry', { params: { path: { id } }, parse: Referral }),
  redirect: (id: string, partnerId: string, newId: string) =>
    api.post('/api/referrals/{id}/redirect', {
      params: { path: { id } },
      body: { partnerId, newId },
      parse: Referral,
    }),
  /** The partner portal: the organisation's own referrals. */
  inbox: () => api.get('/api/partner/referrals', { parse: z.array(PartnerReferral) }),
  act: (id: string, body: PartnerStatusBody) =>
    api.post('/api/partner/referrals/{id}/status', {
      params: { path: { id } },
      body,
      parse: PartnerReferral,
    }),
};

/** No answer, or "try again later": a send is retried with the same id, which never makes a second referral. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.status === 429);
}

/**
 * Waits between send attempts: 0.5 s, then 1 s. The operator is waiting on the form, so the default three
 * attempts take under 2 s of waiting before the error shows; the cap bounds a larger `attempts`.
 */
const SEND_RETRY = { baseMs: 500, capMs: 2_000 };

/** Sends a referral, retrying transient failures with the same id (the server answers 200 for a repeat). */
export async function sendReferral(body: CreateReferralBody, attempts = 3): Promise<Referral> {
  for (let i = 1; ; i++) {
    try {
      return await referralsApi.create(body);
    } catch (error) {
      if (i >= attempts || !isRetryable(error)) throw error;
      const wait = backoffDelay(i - 1, SEND_RETRY, Math.random);
      await new Promise((resolve) => window.setTimeout(resolve, wait));
    }
  }
}
