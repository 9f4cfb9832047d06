import { OPERATOR_STATUSES, type OperatorStatus, type OperatorView, type QueueCall } from '@korgon/domain';
import { useMemo, useSyncExternalStore } from 'react';
import { useQueueStore } from './queue-store';

// One clock for every timer on screen, ticking once a second while anything shows one.
const listeners = new Set<() => void>();
let tick = Date.now();
let ticker: number | undefined;

function subscribeToClock(listener: () => void): () => void {
  listeners.add(listener);
  if (ticker === undefined) {
    tick = Date.now();
    ticker = window.setInterval(() => {
      tick = Date.now();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      window.clearInterval(ticker);
      ticker = undefined;
    }
  };
}

/** The server's time now, in epoch milliseconds, updated every second. */
export function useServerNow(): number {
  const local = useSyncExternalStore(subscribeToClock, () => tick);
  const offset = useQueueStore((s) => s.clockOffsetMs);
  return local + offset;
}

/** 0:07 → "00:07"; an hour or more → "1:02:03". Negative (clock skew) counts as zero. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/** Waiting for an operator: on the line, not answered, not taken. */
export const isWaitingForAnyone = (call: QueueCall) => call.state === 'waiting' && call.takenBy === null;
/** Its consultation is finalized: nobody's "Your call" any more. */
export const isRecorded = (call: QueueCall) => call.consultationStatus === 'final';
/** Somebody has it: taken in a console or answered at an extension. */
export const isInProgress = (call: QueueCall) => call.state === 'answered' || call.takenBy !== null;

/** How long the caller waited: until now while nobody has the call, else until it was taken or answered. */
export function waitedMs(call: QueueCall, serverNow: number): number | null {
  if (!call.offeredAt) return null;
  const end = call.takenAt ?? call.answeredAt;
  return (end ? Date.parse(end) : serverNow) - Date.parse(call.offeredAt);
}

/** Longest waiting first; a call whose offer was never reported goes last. */
export function byWait(a: QueueCall, b: QueueCall): number {
  const x = a.offeredAt ? Date.parse(a.offeredAt) : Number.POSITIVE_INFINITY;
  const y = b.offeredAt ? Date.parse(b.offeredAt) : Number.POSITIVE_INFINITY;
  if (x !== y) return x < y ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Every call on the line, longest waiting first. */
export function useCallsOnLine(): QueueCall[] {
  const calls = useQueueStore((s) => s.calls);
  return useMemo(() => Object.values(calls).sort(byWait), [calls]);
}

/** The desk's two lists: calls still waiting (taken by others shown as such) and the user's own calls. */
export function useDeskCalls(meId: string): { waiting: QueueCall[]; mine: QueueCall[] } {
  const calls = useCallsOnLine();
  const claims = useQueueStore((s) => s.claims);
  return useMemo(() => {
    const mine: QueueCall[] = [];
    const waiting: QueueCall[] = [];
    for (const call of calls) {
      const won = claims[call.id];
      if (call.takenBy?.id === meId) {
        // One truth: a call whose record is final is done for her, even while the PBX still has it.
        if (!isRecorded(call)) mine.push(call);
      } else if (won?.status === 'won' && call.takenBy === null) mine.push({ ...won.call });
      else if (call.state === 'waiting') waiting.push(call);
    }
    return { waiting, mine };
  }, [calls, claims, meId]);
}

/** Supervisors take calls too, but they are not operators: never counted as ready ones (docs/board.md). */
export const isOperatorRole = (op: Pick<OperatorView, 'role'>) => op.role === 'operator';

/** Operators and supervisors, by name. */
export function useOperators(): OperatorView[] {
  const operators = useQueueStore((s) => s.operators);
  return useMemo(
    () => Object.values(operators).sort((a, b) => a.displayName.localeCompare(b.displayName)),
    [operators],
  );
}

export function useMyOperatorView(meId: string): OperatorView | undefined {
  return useQueueStore((s) => s.operators[meId]);
}

export interface QueueFigures {
  waiting: number;
  longestWaitMs: number | null;
  inProgress: number;
  byStatus: Record<OperatorStatus, number>;
}

/** The board's headline figures (docs/domain.md §8), from the same store as the desk; supervisors apart. */
export function queueFigures(
  calls: readonly QueueCall[],
  operators: readonly OperatorView[],
  serverNow: number,
): QueueFigures {
  const waiting = calls.filter(isWaitingForAnyone);
  const waits = waiting.map((c) => waitedMs(c, serverNow)).filter((ms): ms is number => ms !== null);
  const byStatus = Object.fromEntries(OPERATOR_STATUSES.map((s) => [s, 0])) as Record<OperatorStatus, number>;
  for (const op of operators) if (isOperatorRole(op)) byStatus[op.status] += 1;
  return {
    waiting: waiting.length,
    longestWaitMs: waits.length > 0 ? Math.max(...waits) : null,
    inProgress: calls.filter(isInProgress).length,
    byStatus,
  };
}
