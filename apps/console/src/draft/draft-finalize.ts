import { ApiError } from '../lib/api';
import { conflictCurrent, consultationApi } from './consultation-api';
import { type DraftHost, isFinal } from './draft-state';
import { removeDraft } from './draft-storage';

/** Finalizes a record: everything saved first, then the server checks it is complete and signs it. */
export async function finalizeDraft(h: DraftHost): Promise<void> {
  const s = h.state();
  // With two versions to merge, the merge comes first (the page takes the operator there).
  if (s.finalizing || isFinal(s) || s.phase !== 'ready' || s.conflict) return;
  if (s.riskDraft) {
    // Finalizing would drop answers typed here: they are saved as an assessment first, or cleared.
    h.set({ riskBlocked: true, issues: null, finalizeError: null, finalizeBlocked: false });
    return;
  }
  h.set({
    finalizing: true,
    issues: null,
    finalizeError: null,
    finalizeBlocked: false,
    riskBlocked: false,
  });
  try {
    // A record only ever opened (revision 0) is saved first: finalizing needs a saved revision.
    if (s.baseRevision === 0 && !s.dirty) {
      h.edited();
      h.set({ dirty: true });
    }
    if (!(await h.flush())) {
      h.set({ finalizeBlocked: true });
      return;
    }
    const record = await consultationApi.finalize(h.id, h.state().baseRevision);
    removeDraft(h.id);
    h.adopt(record, { riskDraft: null, issues: null, restored: false });
  } catch (error) {
    const current = conflictCurrent(error);
    if (error instanceof ApiError && error.status === 400 && error.body.code === 'incomplete') {
      h.set({ issues: (error.body.issues ?? []).map((i) => ({ ...i, code: i.code ?? 'required' })) });
    } else if (current) {
      h.conflicted(current);
    } else {
      h.set({ finalizeError: error });
    }
  } finally {
    h.set({ finalizing: false });
  }
}
