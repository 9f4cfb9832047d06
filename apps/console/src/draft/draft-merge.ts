import type { Consultation, ConsultationSaved } from '@korgon/domain';
import type { StoredDraft } from './draft-storage';
import { type Draft, differingFields, type FieldPath, sameDraft } from './fields';

/**
 * The decisions between this device's copy of a record and the server's, kept apart from the controller
 * so that each can be tested without a server or timers. They decide; the controller acts.
 */

/**
 * Started on this device and never confirmed by the server: the first save creates it, so it opens without
 * asking the server. (Had an earlier save landed without its answer, the 409 brings the server's version,
 * merged or adopted as usual.)
 */
export const startedHere = (local: StoredDraft): boolean =>
  local.baseRevision === 0 && local.callId === null && local.dirty;

export type OpenPlan =
  /** Final on the server: read-only, and the changes here that it lacks are listed as lost. */
  | { kind: 'final'; lostOnFinal: FieldPath[] }
  /** Nothing here the server lacks: its record becomes the draft. */
  | { kind: 'server' }
  /** Changes typed here on the server's latest revision, not saved before the page closed: send them. */
  | { kind: 'local'; local: StoredDraft }
  /** The server moved on since these changes were made (another tab or device): both versions to merge. */
  | { kind: 'merge'; local: StoredDraft };

/** Opening a record the server has, with this device's copy (if any). */
export function openPlan(local: StoredDraft | null, server: Consultation): OpenPlan {
  if (server.status === 'final') {
    return { kind: 'final', lostOnFinal: local?.dirty ? lostFields(local, server) : [] };
  }
  if (!local?.dirty || sameDraft(local, server)) return { kind: 'server' };
  if (local.baseRevision === server.revision) return { kind: 'local', local };
  return { kind: 'merge', local };
}

export type ConflictPlan =
  /** Finalized elsewhere: adopt it; what differs here is lost. */
  | { kind: 'final'; lostOnFinal: FieldPath[] }
  /**
   * Our save had landed (its answer was lost) or the other version says the same: nothing to merge, only
   * the revision to take. `clean` is false when edits made since still need a save.
   */
  | { kind: 'same'; clean: boolean }
  /** Two different versions: the operator merges. */
  | { kind: 'merge' };

/** A 409 answered a save (or finalize) of `sent`; `draft` and `channel` are what the page holds now. */
export function conflictPlan(
  current: Consultation,
  here: { sent: Draft; draft: Draft; channel: string; editedSince: boolean },
): ConflictPlan {
  if (current.status === 'final') return { kind: 'final', lostOnFinal: lostFields(here.draft, current) };
  if (sameDraft(here.sent, current) && here.channel === current.channel) {
    return { kind: 'same', clean: !here.editedSince || sameDraft(here.draft, current) };
  }
  return { kind: 'merge' };
}

export type RefreshPlan = 'final' | 'adopt' | 'risk-only';

/**
 * A fresh read of the server's record: its data replaces the draft only when nothing here is unsaved, in
 * flight or being merged, and it is not older than ours; its latest risk is always taken.
 */
export function refreshPlan(
  server: Consultation,
  here: { dirty: boolean; merging: boolean; saving: boolean; baseRevision: number },
): RefreshPlan {
  if (server.status === 'final' && !here.dirty) return 'final';
  if (!here.dirty && !here.merging && !here.saving && server.revision >= here.baseRevision) return 'adopt';
  return 'risk-only';
}

/**
 * The record after a save. The revision alone answers a page that has the record: it is what was sent,
 * one revision on. A page without one asked for the whole record.
 */
export function recordAfterSave(
  answer: Consultation | ConsultationSaved,
  known: Consultation | null,
  sent: { channel: string; draft: Draft },
): Consultation {
  if ('data' in answer || !known) return answer as Consultation;
  return {
    ...known,
    channel: sent.channel,
    data: sent.draft.data,
    secret: sent.draft.secret,
    revision: answer.revision,
    updatedAt: answer.updatedAt,
  };
}

const lostFields = (here: Draft, server: Consultation): FieldPath[] =>
  differingFields(here, server).map((d) => d.path);
