import type { Consultation } from '@korgon/domain';
import { ApiError } from '../lib/api';
import { consultationApi, isTransient } from './consultation-api';
import { openPlan, startedHere } from './draft-merge';
import { type DraftHost, isBlank } from './draft-state';
import { readDraft, removeDraft } from './draft-storage';

/** Opens a record: the server's version, or this device's if it holds changes the server lacks. */
export async function openDraft(h: DraftHost): Promise<void> {
  h.set({ phase: 'loading', loadError: null });
  const local = readDraft(h.id, h.userId);
  if (local && startedHere(local)) {
    h.fromLocal(local, !isBlank(local));
    void h.saveNow();
    return;
  }
  let server: Consultation;
  try {
    server = await consultationApi.get(h.id);
  } catch (error) {
    if (local && (isTransient(error) || (error instanceof ApiError && error.status === 404))) {
      // Not on the server yet (a new consultation), or the server is out of reach: this device's copy.
      h.fromLocal(local, local.dirty && !isBlank(local));
      if (local.dirty) void h.saveNow();
      else if (isTransient(error)) h.set({ status: 'offline', saveError: error });
      return;
    }
    if (error instanceof ApiError && error.status === 404) h.set({ phase: 'missing' });
    else h.set({ phase: 'failed', loadError: error });
    return;
  }
  if (h.disposed()) return;

  const plan = openPlan(local, server);
  switch (plan.kind) {
    case 'final':
      removeDraft(h.id);
      h.adopt(server, { status: 'final', lostOnFinal: plan.lostOnFinal });
      return;
    case 'server':
      if (!local) {
        h.adopt(server);
        return;
      }
      h.adopt(server, { riskDraft: local.risk });
      h.persist();
      return;
    case 'local':
      h.fromLocal(plan.local, true);
      h.set({ record: server, savedRisk: server.risk, taxonomyVersion: server.taxonomyVersion });
      void h.saveNow();
      return;
    case 'merge':
      h.fromLocal(plan.local, true);
      h.set({
        record: null,
        savedRisk: server.risk,
        taxonomyVersion: server.taxonomyVersion,
        conflict: server,
        status: 'conflict',
      });
      return;
  }
}
