import type { OperatorView, QueueCall, QueueChange, QueueSnapshot } from '@korgon/domain';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import { claimFailure } from './queue-actions';
import { initialQueueData, useQueueStore } from './queue-store';
import { clockOffset, createQueueSync, type Pong } from './queue-sync';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

function call(n: number, patch: Partial<QueueCall> = {}): QueueCall {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    line: '5200',
    state: 'waiting',
    offeredAt: new Date(T0 + n * 1000).toISOString(),
    answeredAt: null,
    endedAt: null,
    shortAbandoned: false,
    repeatContacts: 0,
    takenBy: null,
    takenAt: null,
    consultationId: null,
    consultationStatus: null,
    consultationReference: null,
    extension: null,
    unknownExtension: false,
    assignedBy: null,
    ...patch,
  };
}

const operator: OperatorView = {
  id: '00000000-0000-4000-8000-00000000aaaa',
  displayName: 'Operator',
  role: 'operator',
  status: 'available',
  since: new Date(T0).toISOString(),
  callId: null,
  wrapUpEndsAt: null,
  breakOfferedAt: null,
  breakEndsAt: null,
};

const snap = (
  version: number,
  calls: QueueCall[],
  serverTime = new Date(T0).toISOString(),
): QueueSnapshot => ({
  version,
  serverTime,
  calls,
  operators: [operator],
  breakOfferMinutes: 10,
});
const change = (version: number, c: QueueCall): QueueChange => ({ version, kind: 'call', call: c });

/** A promise the test resolves when it wants the "server" to answer. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function harness() {
  const snapshots: ReturnType<typeof deferred<QueueSnapshot>>[] = [];
  const pongs: ReturnType<typeof deferred<Pong>>[] = [];
  const timers: (() => void)[] = [];
  let clock = T0;
  const sync = createQueueSync({
    fetchSnapshot: () => {
      const d = deferred<QueueSnapshot>();
      snapshots.push(d);
      return d.promise;
    },
    ping: () => {
      const d = deferred<Pong>();
      pongs.push(d);
      return d.promise;
    },
    now: () => clock,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  const ids = () => Object.keys(useQueueStore.getState().calls).sort();
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return {
    sync,
    snapshots,
    pongs,
    timers,
    ids,
    flush,
    advance(ms: number) {
      clock += ms;
    },
  };
}

beforeEach(() => useQueueStore.setState(initialQueueData));

describe('queue sync', () => {
  it('loads a snapshot on connect and applies the next changes in order; old ones are ignored', async () => {
    const h = harness();
    h.sync.connected();
    expect(h.snapshots).toHaveLength(1);
    h.snapshots[0]?.resolve(snap(5, [call(1)]));
    await h.flush();
    expect(useQueueStore.getState()).toMatchObject({ loaded: true, version: 5, syncing: false });

    h.sync.change(change(6, call(2)));
    h.sync.change(change(5, call(3))); // already in the snapshot's version
    h.sync.change(change(6, call(4))); // a repeat
    expect(h.ids()).toEqual([call(1).id, call(2).id]);
    expect(useQueueStore.getState().version).toBe(6);

    // A call that ends leaves the list.
    h.sync.change(change(7, call(1, { state: 'abandoned' })));
    expect(h.ids()).toEqual([call(2).id]);
    expect(h.snapshots).toHaveLength(1);
  });

  it('fetches a snapshot on a gap, buffers changes meanwhile and applies only the newer ones after it', async () => {
    const h = harness();
    h.sync.connected();
    h.snapshots[0]?.resolve(snap(5, [call(1)]));
    await h.flush();

    h.sync.change(change(7, call(7))); // 6 is missing
    expect(h.snapshots).toHaveLength(2);
    expect(h.ids()).toEqual([call(1).id]);
    h.sync.change(change(8, call(8))); // arrives while the snapshot is on its way
    h.sync.change(change(9, call(9)));
    h.snapshots[1]?.resolve(snap(8, [call(1), call(6), call(7), call(8)]));
    await h.flush();
    expect(useQueueStore.getState().version).toBe(9);
    expect(h.ids()).toEqual([call(1), call(6), call(7), call(8), call(9)].map((c) => c.id).sort());
    expect(h.snapshots).toHaveLength(2);
  });

  it('fetches once more when the buffered changes still leave a gap after the snapshot', async () => {
    const h = harness();
    h.sync.connected();
    h.sync.change(change(4, call(4))); // before the first snapshot: buffered
    h.sync.change(change(7, call(7)));
    h.snapshots[0]?.resolve(snap(4, [call(4)]));
    await h.flush();
    expect(h.snapshots).toHaveLength(2);
    h.snapshots[1]?.resolve(snap(7, [call(4), call(5), call(7)]));
    await h.flush();
    expect(useQueueStore.getState()).toMatchObject({ version: 7, syncing: false });
    expect(h.ids()).toEqual([call(4), call(5), call(7)].map((c) => c.id).sort());
  });

  it('replaces everything with the snapshot on every reconnect, even an older version (a reset database)', async () => {
    const h = harness();
    h.sync.connected();
    h.snapshots[0]?.resolve(snap(10, [call(1), call(2)]));
    await h.flush();
    h.sync.disconnected();
    expect(useQueueStore.getState().connection).toBe('reconnecting');
    h.sync.connected();
    expect(useQueueStore.getState().connection).toBe('live');
    h.snapshots[1]?.resolve(snap(3, [call(3)]));
    await h.flush();
    expect(useQueueStore.getState().version).toBe(3);
    expect(h.ids()).toEqual([call(3).id]);
  });

  it('reads again after a snapshot that was requested before a reconnect', async () => {
    const h = harness();
    h.sync.connected();
    h.sync.disconnected();
    h.sync.connected(); // the first request is still in flight
    expect(h.snapshots).toHaveLength(1);
    h.snapshots[0]?.resolve(snap(1, [call(1)]));
    await h.flush();
    expect(h.snapshots).toHaveLength(2);
    h.snapshots[1]?.resolve(snap(2, [call(2)]));
    await h.flush();
    expect(h.ids()).toEqual([call(2).id]);
  });

  it('fetches a snapshot when a ping reports another version, and not when it matches', async () => {
    const h = harness();
    h.sync.connected();
    h.snapshots[0]?.resolve(snap(5, [call(1)]));
    await h.flush();

    const same = h.sync.check();
    h.pongs[0]?.resolve({ serverTime: new Date(T0).toISOString(), queueVersion: 5 });
    await same;
    expect(h.snapshots).toHaveLength(1);

    const newer = h.sync.check();
    h.pongs[1]?.resolve({ serverTime: new Date(T0).toISOString(), queueVersion: 6 });
    await h.flush();
    expect(h.snapshots).toHaveLength(2);
    h.snapshots[1]?.resolve(snap(6, [call(1), call(2)]));
    await newer;
    expect(h.ids()).toEqual([call(1).id, call(2).id]);

    // -1: the server could not read its version; no snapshot for that.
    const unknown = h.sync.check();
    h.pongs[2]?.resolve({ serverTime: new Date(T0).toISOString(), queueVersion: -1 });
    await unknown;
    expect(h.snapshots).toHaveLength(2);
  });

  it('retries a failed snapshot and keeps the changes that arrived meanwhile', async () => {
    const h = harness();
    h.sync.connected();
    h.snapshots[0]?.reject(new ApiError(503, { code: 'unavailable', message: 'down' }));
    await h.flush();
    expect(useQueueStore.getState().loadError).toBeInstanceOf(ApiError);
    expect(h.timers).toHaveLength(1);
    h.sync.change(change(3, call(3)));
    h.timers[0]?.();
    h.snapshots[1]?.resolve(snap(2, [call(2)]));
    await h.flush();
    expect(useQueueStore.getState()).toMatchObject({ version: 3, loadError: null });
    expect(h.ids()).toEqual([call(2).id, call(3).id]);
  });

  it('takes the server clock from the middle of the round trip', async () => {
    expect(clockOffset(new Date(T0 + 5_000).toISOString(), T0, T0 + 200)).toBe(4_900);
    const h = harness();
    h.sync.connected();
    h.advance(100);
    h.snapshots[0]?.resolve(snap(1, [], new Date(T0 - 60_000).toISOString()));
    await h.flush();
    expect(useQueueStore.getState().clockOffsetMs).toBe(-60_050);
  });

  it('does nothing more after stop', async () => {
    const h = harness();
    h.sync.connected();
    h.sync.stop();
    h.snapshots[0]?.resolve(snap(9, [call(9)]));
    await h.flush();
    h.sync.change(change(10, call(10)));
    expect(useQueueStore.getState().loaded).toBe(false);
    expect(h.ids()).toEqual([]);
  });
});

describe('a refused claim', () => {
  it('is "taken by someone else" on 409, "gone" on 404, and an error otherwise', () => {
    const conflict = new ApiError(409, { code: 'conflict', message: 'Айгүл has already taken this call.' });
    expect(claimFailure(conflict)).toEqual({ status: 'conflict' });
    expect(claimFailure(new ApiError(404, { code: 'not_found', message: 'That call' }))).toEqual({
      status: 'gone',
    });
    const network = new ApiError(0, { code: 'network', message: 'offline' });
    expect(claimFailure(network)).toEqual({ status: 'failed', error: network });
  });
});
