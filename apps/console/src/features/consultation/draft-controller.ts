import type { Consultation, RiskRecord } from '@korgon/domain';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError } from '../../lib/api';
import { onSignedOut } from '../../lib/signed-in-state';
import { conflictCurrent, consultationApi, isTransient } from './consultation-api';
import {
  clearSavedDrafts,
  type RiskDraft,
  readDraft,
  removeDraft,
  type StoredDraft,
  writeDraft,
} from './draft-storage';
import { type Draft, differingFields, type FieldPath, fieldOfIssue, sameDraft, setField } from './fields';

/** Changes are sent this long after the last keystroke... */
const DEBOUNCE_MS = 600;
/** ...and never later than this after the first unsaved one, so a record is on the server within 2 s. */
const MAX_WAIT_MS = 1_400;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 20_000;

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

const isFinal = (s: DraftState) => s.status === 'final' || s.record?.status === 'final';

export class DraftController {
  readonly store: StoreApi<DraftState>;
  private editSeq = 0;
  private debounce: number | undefined;
  private firstPendingAt = 0;
  private retry: number | undefined;
  private retryDelay = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private disposed = false;
  private loading: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly userId: string,
  ) {
    this.store = createStore<DraftState>(() => ({
      phase: 'loading',
      loadError: null,
      record: null,
      channel: 'call',
      callId: null,
      baseRevision: 0,
      taxonomyVersion: null,
      draft: { data: emptyData(), secret: { notes: '', codeWord: '', ifCallDrops: '' } },
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
    }));
  }

  private get s(): DraftState {
    return this.store.getState();
  }

  private set(patch: Partial<DraftState>): void {
    if (!this.disposed) this.store.setState(patch);
  }

  /** Opens the record: the server's version, or this device's if it holds changes the server lacks. */
  open(): Promise<void> {
    if (this.s.phase === 'ready') {
      if (this.s.record) void this.refresh();
      return Promise.resolve();
    }
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    this.set({ phase: 'loading', loadError: null });
    const local = readDraft(this.id, this.userId);
    if (local && local.baseRevision === 0 && local.callId === null && local.dirty) {
      // Started on this device and never confirmed by the server: the first save creates it. (Had an earlier
      // save landed without its answer, the 409 brings the server's version, merged or adopted as usual.)
      this.fromLocal(local, !isBlank(local));
      void this.saveNow();
      return;
    }
    let server: Consultation;
    try {
      server = await consultationApi.get(this.id);
    } catch (error) {
      if (local && (isTransient(error) || (error instanceof ApiError && error.status === 404))) {
        // Not on the server yet (a new consultation), or the server is out of reach: this device's copy.
        this.fromLocal(local, local.dirty && !isBlank(local));
        if (local.dirty) void this.saveNow();
        else if (isTransient(error)) this.set({ status: 'offline', saveError: error });
        return;
      }
      if (error instanceof ApiError && error.status === 404) this.set({ phase: 'missing' });
      else this.set({ phase: 'failed', loadError: error });
      return;
    }
    if (this.disposed) return;

    if (server.status === 'final') {
      removeDraft(this.id);
      const lost = local?.dirty ? differingFields(local, server).map((d) => d.path) : [];
      this.adopt(server, { status: 'final', lostOnFinal: lost });
      return;
    }
    if (!local) {
      this.adopt(server);
      return;
    }
    const riskDraft = local.risk;
    if (!local.dirty || sameDraft(local, server)) {
      // Nothing here the server lacks.
      this.adopt(server, { riskDraft });
      this.persist();
      return;
    }
    if (local.baseRevision === server.revision) {
      // Changes typed here after the server's latest revision, not saved before the page closed.
      this.fromLocal(local, true);
      this.set({ record: server, savedRisk: server.risk, taxonomyVersion: server.taxonomyVersion });
      void this.saveNow();
      return;
    }
    // The server moved on since these changes were made (another tab or device): both versions to merge.
    this.fromLocal(local, true);
    this.set({
      record: null,
      savedRisk: server.risk,
      taxonomyVersion: server.taxonomyVersion,
      conflict: server,
      status: 'conflict',
    });
  }

  private fromLocal(local: StoredDraft, restored: boolean): void {
    this.editSeq += 1;
    this.set({
      phase: 'ready',
      channel: local.channel,
      callId: local.callId,
      baseRevision: local.baseRevision,
      taxonomyVersion: local.taxonomyVersion,
      draft: { data: local.data, secret: local.secret },
      riskDraft: local.risk,
      dirty: local.dirty,
      status: local.dirty ? 'saving' : 'saved',
      restored,
    });
  }

  /** The server's record becomes the draft (nothing unsaved here). */
  private adopt(record: Consultation, patch: Partial<DraftState> = {}): void {
    this.set({
      phase: 'ready',
      record,
      channel: record.channel,
      callId: record.callId,
      baseRevision: record.revision,
      taxonomyVersion: record.taxonomyVersion,
      draft: { data: record.data, secret: record.secret },
      savedRisk: record.risk,
      dirty: false,
      status: record.status === 'final' ? 'final' : 'saved',
      saveError: null,
      ...patch,
    });
  }

  /** Reads the server's record again: its latest risk always; its data when nothing here is unsaved. */
  async refresh(): Promise<void> {
    if (this.s.phase !== 'ready' || isFinal(this.s)) return;
    try {
      const server = await consultationApi.get(this.id);
      const s = this.s;
      if (server.status === 'final' && !s.dirty) {
        removeDraft(this.id);
        this.adopt(server, { riskDraft: null });
      } else if (!s.dirty && !s.conflict && !this.inFlight && server.revision >= s.baseRevision) {
        this.adopt(server, { riskDraft: s.riskDraft });
      } else {
        this.set({ savedRisk: server.risk });
      }
    } catch {
      // the next save or refresh tries again
    }
  }

  /** One field changed by the operator: kept on this device at once, on the server within 2 s. */
  setValue(path: FieldPath, value: unknown): void {
    this.edit((d) => setField(d, path, value), path);
  }

  edit(change: (d: Draft) => Draft, path?: FieldPath): void {
    const s = this.s;
    if (s.phase !== 'ready' || isFinal(s)) return;
    this.editSeq += 1;
    const issues = path && s.issues ? s.issues.filter((i) => fieldOfIssue(i.path)?.path !== path) : s.issues;
    const status: SaveStatus = s.conflict ? 'conflict' : s.status === 'offline' ? 'offline' : 'saving';
    this.set({ draft: change(s.draft), dirty: true, status, issues, finalizeBlocked: false });
    this.persist();
    if (!s.conflict && this.retry === undefined) this.schedule();
  }

  setChannel(channel: string): void {
    if (this.s.channel === channel) return;
    this.set({ channel });
    this.edit((d) => d);
  }

  setRiskDraft(riskDraft: RiskDraft | null): void {
    if (this.s.phase !== 'ready' || isFinal(this.s)) return;
    this.set({ riskDraft, riskBlocked: riskDraft !== null && this.s.riskBlocked });
    this.persist();
  }

  riskSaved(record: RiskRecord): void {
    this.set({ savedRisk: record, riskDraft: null, riskBlocked: false });
    this.persist();
  }

  private persist(): void {
    // Signed out meanwhile: an answer arriving now must not put free text back on this device.
    if (this.disposed) return;
    const s = this.s;
    if (isFinal(s)) {
      removeDraft(this.id);
      return;
    }
    const kept = writeDraft({
      v: 1,
      id: this.id,
      userId: this.userId,
      channel: s.channel,
      callId: s.callId,
      baseRevision: s.baseRevision,
      taxonomyVersion: s.taxonomyVersion,
      data: s.draft.data,
      secret: s.draft.secret,
      dirty: s.dirty,
      risk: s.riskDraft,
      keptAt: new Date().toISOString(),
    });
    if (kept !== s.keptLocally) this.set({ keptLocally: kept });
  }

  private schedule(): void {
    const now = Date.now();
    if (this.debounce === undefined) this.firstPendingAt = now;
    window.clearTimeout(this.debounce);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.firstPendingAt + MAX_WAIT_MS - now));
    this.debounce = window.setTimeout(() => {
      this.debounce = undefined;
      void this.saveNow();
    }, wait);
  }

  private scheduleRetry(): void {
    window.clearTimeout(this.retry);
    this.retryDelay = this.retryDelay ? Math.min(this.retryDelay * 2, MAX_RETRY_MS) : FIRST_RETRY_MS;
    const delay = this.retryDelay + Math.random() * 0.2 * this.retryDelay;
    this.retry = window.setTimeout(() => {
      this.retry = undefined;
      void this.saveNow();
    }, delay);
  }

  /** The connection came back: try at once rather than at the next retry. */
  retryNow(): void {
    if (this.retry === undefined || this.disposed) return;
    window.clearTimeout(this.retry);
    this.retry = undefined;
    void this.saveNow();
  }

  private saveNow(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    const s = this.s;
    if (this.disposed || !s.dirty || s.phase !== 'ready' || s.conflict || isFinal(s))
      return Promise.resolve();
    window.clearTimeout(this.debounce);
    this.debounce = undefined;
    window.clearTimeout(this.retry);
    this.retry = undefined;
    const seq = this.editSeq;
    const sent = s.draft;
    this.set({ status: 'saving' });
    const known = s.record;
    this.inFlight = consultationApi
      .save(
        this.id,
        {
          baseRevision: s.baseRevision,
          channel: s.channel,
          callId: s.callId,
          data: sent.data,
          secret: sent.secret,
        },
        // The whole record only when this page has none yet; otherwise the answer is the new revision.
        { full: known === null },
      )
      .then(
        (answer) =>
          this.saved(
            // The revision alone answers a page that has the record: it is what was sent, one revision on.
            'data' in answer || !known
              ? (answer as Consultation)
              : {
                  ...known,
                  channel: s.channel,
                  data: sent.data,
                  secret: sent.secret,
                  revision: answer.revision,
                  updatedAt: answer.updatedAt,
                },
            seq,
          ),
        (error: unknown) => this.failed(error, seq, sent),
      )
      .finally(() => {
        this.inFlight = null;
        if (this.again) {
          this.again = false;
          const after = this.s;
          if (after.dirty && (after.status === 'saving' || after.status === 'saved')) void this.saveNow();
        }
      });
    return this.inFlight;
  }

  private saved(record: Consultation, seq: number): void {
    this.retryDelay = 0;
    const clean = this.editSeq === seq;
    this.set({
      record,
      baseRevision: record.revision,
      taxonomyVersion: record.taxonomyVersion,
      callId: record.callId,
      savedRisk: record.risk,
      dirty: !clean,
      status: clean ? 'saved' : 'saving',
      saveError: null,
    });
    this.persist();
    if (!clean) this.again = true;
  }

  private failed(error: unknown, seq: number, sent: Draft): void {
    const current = conflictCurrent(error);
    if (current) {
      this.conflicted(current, seq, sent);
      return;
    }
    if (isTransient(error) || (error instanceof ApiError && error.status === 401)) {
      this.set({ status: 'offline', saveError: error });
      if (!(error instanceof ApiError && error.status === 401)) this.scheduleRetry();
      return;
    }
    this.set({ status: 'error', saveError: error });
  }

  private conflicted(current: Consultation, seq: number, sent: Draft): void {
    const s = this.s;
    if (current.status === 'final') {
      removeDraft(this.id);
      const lost = differingFields(s.draft, current).map((d) => d.path);
      this.adopt(current, { status: 'final', lostOnFinal: lost, riskDraft: null });
      return;
    }
    if (sameDraft(sent, current) && s.channel === current.channel) {
      // Our save had landed (its answer was lost) or the other version says the same: nothing to merge.
      const clean = this.editSeq === seq || sameDraft(s.draft, current);
      this.set({
        record: current,
        baseRevision: current.revision,
        taxonomyVersion: current.taxonomyVersion,
        savedRisk: current.risk,
        dirty: !clean,
        status: clean ? 'saved' : 'saving',
        saveError: null,
      });
      this.persist();
      if (!clean) this.again = true;
      return;
    }
    this.set({ conflict: current, savedRisk: current.risk, status: 'conflict', saveError: null });
    this.persist();
  }

  /** The operator merged: the chosen values, saved on top of the server's current revision. */
  resolveConflict(merged: Draft): void {
    const s = this.s;
    if (!s.conflict) return;
    this.editSeq += 1;
    this.set({
      draft: merged,
      record: s.conflict,
      baseRevision: s.conflict.revision,
      taxonomyVersion: s.conflict.taxonomyVersion,
      conflict: null,
      dirty: !sameDraft(merged, s.conflict),
      status: 'saving',
      restored: false,
    });
    this.persist();
    if (this.s.dirty) void this.saveNow();
    else this.set({ status: 'saved' });
  }

  /** Saves what is unsaved now; true once the server has everything. */
  async flush(): Promise<boolean> {
    for (let round = 0; round < 5; round++) {
      const s = this.s;
      if (!s.dirty) return true;
      if (s.conflict || s.phase !== 'ready' || isFinal(s)) return false;
      await this.saveNow();
      const after = this.s;
      if (after.status === 'offline' || after.status === 'error' || after.status === 'conflict') return false;
    }
    return !this.s.dirty;
  }

  async finalize(): Promise<void> {
    const s = this.s;
    // With two versions to merge, the merge comes first (the page takes the operator there).
    if (s.finalizing || isFinal(s) || s.phase !== 'ready' || s.conflict) return;
    if (s.riskDraft) {
      // Finalizing would drop answers typed here: they are saved as an assessment first, or cleared.
      this.set({ riskBlocked: true, issues: null, finalizeError: null, finalizeBlocked: false });
      return;
    }
    this.set({
      finalizing: true,
      issues: null,
      finalizeError: null,
      finalizeBlocked: false,
      riskBlocked: false,
    });
    try {
      // A record only ever opened (revision 0) is saved first: finalizing needs a saved revision.
      if (s.baseRevision === 0 && !s.dirty) {
        this.editSeq += 1;
        this.set({ dirty: true });
      }
      if (!(await this.flush())) {
        this.set({ finalizeBlocked: true });
        return;
      }
      const record = await consultationApi.finalize(this.id, this.s.baseRevision);
      removeDraft(this.id);
      this.adopt(record, { riskDraft: null, issues: null, restored: false });
    } catch (error) {
      const current = conflictCurrent(error);
      if (error instanceof ApiError && error.status === 400 && error.body.code === 'incomplete') {
        this.set({ issues: (error.body.issues ?? []).map((i) => ({ ...i, code: i.code ?? 'required' })) });
      } else if (current) {
        this.conflicted(current, this.editSeq, this.s.draft);
      } else {
        this.set({ finalizeError: error });
      }
    } finally {
      this.set({ finalizing: false });
    }
  }

  /** A signed addendum to a final record; throws for the form to show. */
  async addAddendum(text: string): Promise<void> {
    const record = await consultationApi.addAddendum(this.id, text);
    this.set({ record, savedRisk: record.risk });
  }

  /** The page closed: what is pending goes now rather than after the debounce. */
  leave(): void {
    if (this.debounce !== undefined) void this.saveNow();
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.debounce);
    window.clearTimeout(this.retry);
  }
}

/** Nothing typed yet: a new consultation just started. */
function isBlank(d: Draft): boolean {
  return sameDraft(d, { data: emptyData(), secret: { notes: '', codeWord: '', ifCallDrops: '' } });
}

function emptyData(): Draft['data'] {
  return {
    survivor: {},
    violenceForms: [],
    perpetrator: {},
    servicesGiven: [],
    safeContact: {},
    consent: {},
    followUp: {},
    protectionOrder: {},
    safetyPlan: {},
  };
}

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
