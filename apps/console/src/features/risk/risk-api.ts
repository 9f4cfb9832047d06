import { AssessmentResult, Methodology, type RiskBody, RiskRecord } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

const Saved = z.object({ record: RiskRecord, result: AssessmentResult });

export const riskApi = {
  active: () => api.get('/api/methodologies/active', { parse: Methodology }),
  methodology: (id: string, version: string) =>
    api.get('/api/methodologies/{id}/{version}', { params: { path: { id, version } }, parse: Methodology }),
  save: (consultationId: string, body: RiskBody) =>
    api.put('/api/consultations/{id}/risk', { params: { path: { id: consultationId } }, body, parse: Saved }),
  signOff: (assessmentId: string, approve: boolean, note: string) =>
    api.post('/api/risk/assessments/{id}/sign-off', {
      params: { path: { id: assessmentId } },
      body: note.trim() ? { approve, note: note.trim() } : { approve },
      parse: RiskRecord,
    }),
};

const methodologies = new Map<string, Promise<Methodology>>();

/** A methodology version never changes once uploaded: fetched once per page load. null = the active one. */
export function loadMethodology(ref: { id: string; version: string } | null): Promise<Methodology> {
  const key = ref ? `${ref.id}@${ref.version}` : '';
  let found = methodologies.get(key);
  if (!found) {
    found = (ref ? riskApi.methodology(ref.id, ref.version) : riskApi.active()).then((m) => {
      if (ref) methodologies.set(`${m.id}@${m.version}`, Promise.resolve(m));
      return m;
    });
    found.catch(() => methodologies.delete(key));
    methodologies.set(key, found);
  }
  return found;
}

/** The active methodology may change while the console is open: forget which one it was. */
export function forgetActiveMethodology(): void {
  methodologies.delete('');
}
