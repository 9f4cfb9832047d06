import { useStore } from 'zustand';
import { onSignedOut } from '../lib/signed-in-state';
import { DraftController } from './draft-session';
import type { DraftState } from './draft-state';
import { clearSavedDrafts } from './draft-storage';

/**
 * The consultation draft as the features use it: one controller per record (draft-session), its state
 * (draft-state), opening and finalizing a record (draft-open, draft-finalize), the decisions between this
 * device's copy and the server's (draft-merge), and when changes are sent (autosave, save-schedule).
 */
export { DraftController } from './draft-session';
export type { DraftState, FinalizeIssue, SaveStatus } from './draft-state';

const controllers = new Map<string, DraftController>();

/** One controller per record for the whole signed-in session: leaving the page does not stop its saving. */
export function draftController(id: string, userId: string): DraftController {
  const key = `${userId}:${id}`;
  let c = controllers.get(key);
  if (!c) {
    c = new DraftController(id, userId);
    controllers.set(key, c);
  }
  return c;
}

export function useDraft<T>(c: DraftController, select: (s: DraftState) => T): T {
  return useStore(c.store, select);
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    for (const c of controllers.values()) c.retryNow();
  });
}

onSignedOut(() => {
  for (const c of controllers.values()) c.dispose();
  controllers.clear();
  clearSavedDrafts();
});
