import { type Consultation, emptyConsultationData, type RiskRecord } from '@korgon/domain';
import type { RiskDraft, StoredDraft } from './draft-storage';
import { type Draft, type FieldPath, sameDraft } from './fields';

/**
 * What the operator is told: saved; saving (changes on their way); offline (kept on this device, retrying);
 * conflict (saved elsewhere meanwhile: choose); error (refused; kept on this device); final.
 */
export type SaveStatus = 'saved' | 'saving' | 'offline' | 'conflict' | 'error' | 'final';

export interface FinalizeIssue {
  path: string;
  code: string;
  message: string;
}

export interface DraftState {
  phase: 'loading' | 'ready' | 'missing' | 'failed';
  loadError: unknown;
  /** The server's record this draft is based on (null: not known yet, or not on the server). */
  record: Consultation | null;
  channel: string;
  callId: string | null;
  baseRevision: number;
  taxonomyVersion: string | null;
  draft: Draft;
  /** The latest risk assessment the server holds for this record. */
  savedRisk: RiskRecord | null;
  /** Risk answers typed and not yet saved as an assessment. */
  riskDraft: RiskDraft | null;
  dirty: boolean;
  status: SaveStatus;
  saveError: unknown;
  /** The server's current record after a 409, to merge with. */
  conflict: Consultation | null;
  /** Opened with changes kept on this device that the server did not have. */
  restored: boolean;
  /** False when this device refused to keep the last change (storage full or disabled). */
  keptLocally: boolean;
  finalizing: boolean;
  issues: FinalizeIssue[] | null;
  finalizeError: unknown;
  /** Finalize waited for a save that did not go through. */
  finalizeBlocked: boolean;
  /** Finalize was refused here: risk answers are not saved as an assessment yet. */
  riskBlocked: boolean;
  /** Finalized elsewhere while this page had changes: the fields whose changes could not be saved. */
  lostOnFinal: FieldPath[];
}

const emptyDraft = (): Draft => ({
  data: emptyConsultationData(),
  secret: { notes: '', codeWord: '', ifCallDrops: '' },
});

/** A record being opened: nothing known yet. */
export function initialDraftState(): DraftState {
  return {
    phase: 'loading',
    loadError: null,
    record: null,
    channel: 'call',
    callId: null,
    baseRevision: 0,
    taxonomyVersion: null,
    draft: emptyDraft(),
    savedRisk: null,
    riskDraft: null,
    dirty: false,
    status: 'saved',
    saveError: null,
    conflict: null,
    restored: false,
    keptLocally: true,
    finalizing: false,
    issues: null,
    finalizeError: null,
    finalizeBlocked: false,
    riskBlocked: false,
    lostOnFinal: [],
  };
}

export const isFinal = (s: DraftState): boolean => s.status === 'final' || s.record?.status === 'final';

/** Nothing typed yet: a new consultation just started. */
export const isBlank = (d: Draft): boolean => sameDraft(d, emptyDraft());

/** The state as this device keeps it until the server has it. */
export function storedDraftOf(id: string, userId: string, s: DraftState, keptAt: Date): StoredDraft {
  return {
    v: 1,
    id,
    userId,
    channel: s.channel,
    callId: s.callId,
    baseRevision: s.baseRevision,
    taxonomyVersion: s.taxonomyVersion,
    data: s.draft.data,
    secret: s.draft.secret,
    dirty: s.dirty,
    risk: s.riskDraft,
    keptAt: keptAt.toISOString(),
  };
}

/**
 * What the flows that open and finalize a record (draft-open, draft-finalize) may do to its controller:
 * the controller keeps these private and hands them only to those flows.
 */
export interface DraftHost {
  readonly id: string;
  readonly userId: string;
  disposed(): boolean;
  state(): DraftState;
  set(patch: Partial<DraftState>): void;
  /** Counts an edit: the answer to a save sent before it then leaves the draft unsaved. */
  edited(): void;
  /** This device's copy becomes the draft. */
  fromLocal(local: StoredDraft, restored: boolean): void;
  /** The server's record becomes the draft (nothing unsaved here). */
  adopt(record: Consultation, patch?: Partial<DraftState>): void;
  /** Keeps the draft on this device (or removes it once final). */
  persist(): void;
  saveNow(): Promise<void>;
  /** Saves what is unsaved now; true once the server has everything. */
  flush(): Promise<boolean>;
  /** A 409 answered the page's current draft. */
  conflicted(current: Consultation): void;
}
