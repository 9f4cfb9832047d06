import {
  Consultation,
  ConsultationConflict,
  ConsultationSaved,
  HistoryEntry,
  type SaveConsultationBody,
  Taxonomy,
} from '@korgon/domain';
import { z } from 'zod';
import { ApiError, api } from '../lib/api';

/** A save that hangs longer than this is abandoned and retried: a dead connection must not freeze saving. */
const SAVE_TIMEOUT_MS = 15_000;

export const consultationApi = {
  get: (id: string) => api.get('/api/consultations/{id}', { params: { path: { id } }, parse: Consultation }),
  /** An autosave: answers with the new revision; with `full`, with the whole record (the first save). */
  save: (id: string, body: SaveConsultationBody, opts: { full?: boolean } = {}) =>
    api.put('/api/consultations/{id}', {
      params: { path: { id }, query: opts.full ? { view: 'full' } : {} },
      body,
      parse: z.union([ConsultationSaved, Consultation]),
      timeoutMs: SAVE_TIMEOUT_MS,
    }),
  finalize: (id: string, revision: number) =>
    api.post('/api/consultations/{id}/finalize', {
      params: { path: { id } },
      body: { revision },
      parse: Consultation,
      timeoutMs: SAVE_TIMEOUT_MS,
    }),
  addAddendum: (id: string, text: string) =>
    api.post('/api/consultations/{id}/addenda', {
      params: { path: { id } },
      body: { text },
      parse: Consultation,
    }),
  history: (id: string) =>
    api.get('/api/consultations/{id}/history', { params: { path: { id } }, parse: z.array(HistoryEntry) }),
  taxonomy: (version?: string) =>
    version
      ? api.get('/api/taxonomy/{version}', { params: { path: { version } }, parse: Taxonomy })
      : api.get('/api/taxonomy', { parse: Taxonomy }),
};

/** The record as it is on the server, sent with a 409 (the revision moved on, or the record is final). */
export function conflictCurrent(error: unknown): Consultation | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const parsed = ConsultationConflict.safeParse(error.data);
  return parsed.success ? parsed.data.current : null;
}

/** No answer, or an answer that says "try again later": the change stays on this device and is retried. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 0 || error.status >= 500 || error.status === 429 || error.status === 408;
}

const taxonomies = new Map<string, Promise<Taxonomy>>();

/** Taxonomies are immutable per version: each is fetched once per page load ("" = the active one). */
export function loadTaxonomy(version: string | null): Promise<Taxonomy> {
  const key = version ?? '';
  let found = taxonomies.get(key);
  if (!found) {
    found = consultationApi.taxonomy(version ?? undefined).then((t) => {
      taxonomies.set(t.version, Promise.resolve(t));
      return t;
    });
    // A failed fetch is not kept: the next look tries again.
    found.catch(() => taxonomies.delete(key));
    taxonomies.set(key, found);
  }
  return found;
}
