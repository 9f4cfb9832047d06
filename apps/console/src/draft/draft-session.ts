import type { Consultation, RiskRecord } from '@korgon/domain';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError } from '../lib/api';
import { Autosave } from './autosave';
import { conflictCurrent, consultationApi, isTransient } from './consultation-api';
import { finalizeDraft } from './draft-finalize';
import { conflictPlan, recordAfterSave, refreshPlan } from './draft-merge';
import { openDraft } from './draft-open';
import {
  type DraftHost,
  type DraftState,
  initialDraftState,
  isFinal,
  type SaveStatus,
  storedDraftOf,
} from './draft-state';
import { type RiskDraft, removeDraft, type StoredDraft, writeDraft } from './draft-storage';
import { type Draft, type FieldPath, fieldOfIssue, sameDraft, setField } from './fields';

/**
 * One consultation record as this device edits it: opened from the server or from this device's copy, every
 * change kept on the device at once and sent by the autosave with the revision it was made on, a 409 turned
 * into a merge (or adopted when there is nothing to merge), and finally finalized.
 */
export class DraftController {
  readonly store: StoreApi<DraftState>;
  /** Counts edits, so that a save's answer knows whether the page changed while it was on its way. */
  private editSeq = 0;
  private disposed = false;
  private loading: Promise<void> | null = null;
  /** What the open and finalize flows may do here. */
  private readonly host: DraftHost;
  private readonly autosave = new Autosave({
    start: () => this.startSave(),
    stillUnsaved: () => {
      const s = this.s;
      return s.dirty && (s.status === 'saving' || s.status === 'saved');
    },
  });

  constructor(
    readonly id: string,
    readonly userId: string,
  ) {
    this.store = createStore<DraftState>(initialDraftState);
    this.host = {
      id,
      userId,
      disposed: () => this.disposed,
      state: () => this.s,
      set: (patch) => this.set(patch),
      edited: () => {
        this.editSeq += 1;
      },
      fromLocal: (local, restored) => this.fromLocal(local, restored),
      adopt: (record, patch) => this.adopt(record, patch),
      persist: () => this.persist(),
      saveNow: () => this.autosave.now(),
      flush: () => this.flush(),
      conflicted: (current) => this.conflicted(current, this.editSeq, this.s.draft),
    };
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
    this.loading ??= openDraft(this.host).finally(() => {
      this.loading = null;
    });
    return this.loading;
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
      const plan = refreshPlan(server, {
        dirty: s.dirty,
        merging: s.conflict !== null,
        saving: this.autosave.saving,
        baseRevision: s.baseRevision,
      });
      if (plan === 'final') {
        removeDraft(this.id);
        this.adopt(server, { riskDraft: null });
      } else if (plan === 'adopt') {
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
    if (!s.conflict && !this.autosave.retrying) this.autosave.changed();
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
    const kept = writeDraft(storedDraftOf(this.id, this.userId, s, new Date()));
    if (kept !== s.keptLocally) this.set({ keptLocally: kept });
  }

  /** The connection came back: try at once rather than at the next retry. */
  retryNow(): void {
    if (!this.disposed) this.autosave.retryNow();
  }

  /** One save of the page's current draft, with the revision it was made on; null when none is due. */
  private startSave(): Promise<void> | null {
    const s = this.s;
    if (this.disposed || !s.dirty || s.phase !== 'ready' || s.conflict || isFinal(s)) return null;
    const seq = this.editSeq;
    const sent = { channel: s.channel, draft: s.draft };
    this.set({ status: 'saving' });
    const known = s.record;
    return consultationApi
      .save(
        this.id,
        {
          baseRevision: s.baseRevision,
          channel: s.channel,
          callId: s.callId,
          data: sent.draft.data,
          secret: sent.draft.secret,
        },
        // The whole record only when this page has none yet; otherwise the answer is the new revision.
        { full: known === null },
      )
      .then(
        (answer) => this.saved(recordAfterSave(answer, known, sent), seq),
        (error: unknown) => this.failed(error, seq, sent.draft),
      );
  }

  private saved(record: Consultation, seq: number): void {
    this.autosave.succeeded();
    this.took(record, this.editSeq === seq, { callId: record.callId });
  }

  /** The server holds `record` as our base now; `clean`: the page holds nothing newer. */
  private took(record: Consultation, clean: boolean, patch: Partial<DraftState> = {}): void {
    this.set({
      record,
      baseRevision: record.revision,
      taxonomyVersion: record.taxonomyVersion,
      savedRisk: record.risk,
      dirty: !clean,
      status: clean ? 'saved' : 'saving',
      saveError: null,
      ...patch,
    });
    this.persist();
    if (!clean) this.autosave.goAgain();
  }

  private failed(error: unknown, seq: number, sent: Draft): void {
    const current = conflictCurrent(error);
    if (current) {
      this.conflicted(current, seq, sent);
      return;
    }
    const signedOut = error instanceof ApiError && error.status === 401;
    if (isTransient(error) || signedOut) {
      this.set({ status: 'offline', saveError: error });
      // A 401: the session ended, and no retry succeeds before the operator signs in again.
      if (!signedOut) this.autosave.failedTransiently();
      return;
    }
    this.set({ status: 'error', saveError: error });
  }

  private conflicted(current: Consultation, seq: number, sent: Draft): void {
    const s = this.s;
    const plan = conflictPlan(current, {
      sent,
      draft: s.draft,
      channel: s.channel,
      editedSince: this.editSeq !== seq,
    });
    if (plan.kind === 'final') {
      removeDraft(this.id);
      this.adopt(current, { status: 'final', lostOnFinal: plan.lostOnFinal, riskDraft: null });
    } else if (plan.kind === 'same') {
      this.took(current, plan.clean);
    } else {
      this.set({ conflict: current, savedRisk: current.risk, status: 'conflict', saveError: null });
      this.persist();
    }
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
    if (this.s.dirty) void this.autosave.now();
    else this.set({ status: 'saved' });
  }

  /** Saves what is unsaved now; true once the server has everything. */
  async flush(): Promise<boolean> {
    for (let round = 0; round < 5; round++) {
      const s = this.s;
      if (!s.dirty) return true;
      if (s.conflict || s.phase !== 'ready' || isFinal(s)) return false;
      await this.autosave.now();
      const after = this.s;
      if (after.status === 'offline' || after.status === 'error' || after.status === 'conflict') return false;
    }
    return !this.s.dirty;
  }

  finalize(): Promise<void> {
    return finalizeDraft(this.host);
  }

  /** A signed addendum to a final record; throws for the form to show. */
  async addAddendum(text: string): Promise<void> {
    const record = await consultationApi.addAddendum(this.id, text);
    this.set({ record, savedRisk: record.risk });
  }

  /** The page closed: what is pending goes now rather than after the debounce. */
  leave(): void {
    this.autosave.flushPending();
  }

  dispose(): void {
    this.disposed = true;
    this.autosave.stop();
  }
}
