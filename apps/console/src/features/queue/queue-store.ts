import {
  ACTIVE_CALL_STATES,
  type OperatorView,
  type QueueCall,
  type QueueChange,
  type QueueSnapshot,
} from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut } from '../../lib/signed-in-state';

/** The live connection as the queue sees it. */
export type Connection = 'connecting' | 'live' | 'reconnecting';

/** This console's own attempt to take a call; the server decides who wins. */
export type ClaimAttempt =
  | { status: 'pending' }
  /** Won: kept until the pushed change (or a snapshot) shows the call as ours. */
  | { status: 'won'; call: QueueCall }
  /** 409: someone else was first, or the call stopped waiting. */
  | { status: 'conflict' }
  /** 404: the call is not known any more. */
  | { status: 'gone' }
  | { status: 'failed'; error: unknown };

export interface QueueData {
  /** A snapshot has been applied at least once since sign-in. */
  loaded: boolean;
  /** The version of the last snapshot or change applied; changes apply strictly one after another. */
  version: number;
  /** Calls on the line (waiting or answered), by id. Ended, abandoned and transferred calls leave. */
  calls: Record<string, QueueCall>;
  operators: Record<string, OperatorView>;
  /** The length of the short break offered after a critical call (the server's BREAK_OFFER_MINUTES). */
  breakOfferMinutes: number;
  /** Server clock minus this device's clock, in milliseconds. */
  clockOffsetMs: number;
  connection: Connection;
  /** A snapshot is being fetched. */
  syncing: boolean;
  /** The last snapshot request failed (null once one succeeds). */
  loadError: unknown;
  claims: Record<string, ClaimAttempt>;
}

interface QueueActions {
  replace(snapshot: QueueSnapshot): void;
  apply(change: QueueChange): void;
  setClockOffset(ms: number): void;
  setConnection(connection: Connection): void;
  setSyncing(syncing: boolean, loadError?: unknown): void;
  setClaim(callId: string, attempt: ClaimAttempt | null): void;
  /** An operator view from a direct answer (not a push): kept only if it is newer than what we have. */
  offerOperator(view: OperatorView): void;
}

export type QueueState = QueueData & QueueActions;

export const initialQueueData: QueueData = {
  loaded: false,
  version: 0,
  calls: {},
  operators: {},
  breakOfferMinutes: 10,
  clockOffsetMs: 0,
  connection: 'connecting',
  syncing: false,
  loadError: null,
  claims: {},
};

const isActive = (call: QueueCall) => ACTIVE_CALL_STATES.includes(call.state);

/** Drops attempts about calls that left, and won attempts the server data has caught up with. */
function pruneClaims(claims: Record<string, ClaimAttempt>, calls: Record<string, QueueCall>) {
  let changed = false;
  const kept: Record<string, ClaimAttempt> = {};
  for (const [id, attempt] of Object.entries(claims)) {
    const call = calls[id];
    const settled = attempt.status === 'won' && call?.takenBy !== null;
    if ((!call && attempt.status !== 'pending') || settled) {
      changed = true;
      continue;
    }
    kept[id] = attempt;
  }
  return changed ? kept : claims;
}

/** The store after a snapshot: the server's state replaces ours entirely. */
export function withSnapshot(state: QueueData, snapshot: QueueSnapshot): Partial<QueueData> {
  const calls: Record<string, QueueCall> = {};
  for (const call of snapshot.calls) if (isActive(call)) calls[call.id] = call;
  const operators: Record<string, OperatorView> = {};
  for (const op of snapshot.operators) operators[op.id] = op;
  return {
    loaded: true,
    version: snapshot.version,
    calls,
    operators,
    breakOfferMinutes: snapshot.breakOfferMinutes,
    loadError: null,
    claims: pruneClaims(state.claims, calls),
  };
}

/** The store after one change; the caller has checked that it is the next version. */
export function withChange(state: QueueData, change: QueueChange): Partial<QueueData> {
  if (change.kind === 'operator') {
    return {
      version: change.version,
      operators: { ...state.operators, [change.operator.id]: change.operator },
    };
  }
  const { call } = change;
  const calls = { ...state.calls };
  if (isActive(call)) calls[call.id] = call;
  else delete calls[call.id];
  return { version: change.version, calls, claims: pruneClaims(state.claims, calls) };
}

export const useQueueStore = create<QueueState>()((set) => ({
  ...initialQueueData,

  replace: (snapshot) => set((s) => withSnapshot(s, snapshot)),
  apply: (change) => set((s) => withChange(s, change)),
  setClockOffset: (clockOffsetMs) => set({ clockOffsetMs }),
  setConnection: (connection) => set({ connection }),
  setSyncing: (syncing, loadError) => set(loadError === undefined ? { syncing } : { syncing, loadError }),
  setClaim: (callId, attempt) =>
    set((s) => {
      const claims = { ...s.claims };
      // A won call the store already shows as taken (or gone) needs nothing kept aside.
      const settled = attempt?.status === 'won' && s.calls[callId]?.takenBy !== null;
      if (attempt && !settled) claims[callId] = attempt;
      else delete claims[callId];
      return { claims };
    }),
  offerOperator: (view) =>
    set((s) => {
      const known = s.operators[view.id];
      if (known && Date.parse(known.since) >= Date.parse(view.since)) return {};
      return { operators: { ...s.operators, [view.id]: view } };
    }),
}));

onSignedOut(() => useQueueStore.setState(initialQueueData));
