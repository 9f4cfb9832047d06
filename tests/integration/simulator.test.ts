import { type AddressInfo, createServer, type Socket } from 'node:net';
import { freePort } from '@korgon/dev/postgres';
import { createSimulator, type SimulatorStats } from '@korgon/dev/simulator/index';
import { createTestApp, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The PBX simulator against a real, listening server: a few seconds of fast traffic with a fixed seed, then
 * what the database holds is checked against what the simulator sent.
 */
let t: TestApp;
let stats: SimulatorStats;
let numbers: string[];
const logs: string[] = [];

interface CallRow {
  external_id: string;
  state: string;
  extension: string | null;
  short_abandoned: boolean;
  answered_at: Date | null;
  offered_at: Date | null;
  ended_at: Date | null;
  prior_contacts: number;
  caller_hash: string | null;
}
let rows: Map<string, CallRow>;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'sim' });
  const sim = createSimulator({
    url: t.baseUrl,
    secret: t.env.TELEPHONY_SECRET,
    seed: 'korgon-sim-test',
    // Five real seconds are five simulated minutes: ~300 calls, enough seats that many are answered.
    rate: 60,
    speed: 60,
    duration: 5,
    extensions: ['101', '102', '103'],
    transferTo: ['110'],
    callsPerExtension: 10,
    lateShare: 0.15,
    duplicateShare: 0.1,
    transferShare: 0.3,
    callerPool: 40,
    repeatShare: 0.4,
    log: (line) => logs.push(line),
  });
  sim.start();
  stats = await sim.done;
  numbers = sim.callerNumbers();
  const { rows: found } = await t.db.pool.query<CallRow>(
    `SELECT external_id, state, extension, short_abandoned, answered_at, offered_at, ended_at, prior_contacts,
            caller_hash
       FROM calls WHERE external_id LIKE $1`,
    [`sim-${stats.runId}-%`],
  );
  rows = new Map(found.map((r) => [r.external_id, r]));
}, 120_000);
afterAll(async () => t?.close());

describe('pnpm simulate against a real server', () => {
  it('delivered every call completely, without a failed request', () => {
    expect(stats.calls).toBeGreaterThan(150);
    expect(stats.failedRequests).toBe(0);
    expect(stats.droppedEvents).toBe(0);
    expect(stats.callsComplete).toBe(stats.calls);
    expect(stats.callRecords).toHaveLength(stats.calls);
    expect(rows.size).toBe(stats.calls);
  });

  it('stored each event once: duplicates made no extra events', async () => {
    expect(stats.duplicatesSent).toBeGreaterThan(10);
    const { rows: events } = await t.db.pool.query<{ event_id: string }>(
      'SELECT e.event_id FROM call_events e JOIN calls c ON c.id = e.call_id WHERE c.external_id LIKE $1',
      [`sim-${stats.runId}-%`],
    );
    const sent = new Set(stats.eventIds);
    expect(sent.size).toBe(stats.eventIds.length);
    expect(events).toHaveLength(sent.size);
    expect(new Set(events.map((e) => e.event_id))).toEqual(sent);
    expect(stats.serverStored).toBe(sent.size);
    expect(stats.serverDuplicates).toBeGreaterThanOrEqual(stats.duplicatesSent);
  });

  it('ended every call in the state the model gave it, whatever order its events came in', () => {
    const mismatches = stats.callRecords.flatMap((c) => {
      const r = rows.get(c.callId);
      const got = r && {
        state: r.state,
        extension: r.extension,
        shortAbandoned: r.short_abandoned,
        answered: r.answered_at !== null,
      };
      const want = {
        state: c.expected.state,
        extension: c.expected.extension,
        shortAbandoned: c.expected.shortAbandoned,
        answered: c.expected.answered,
      };
      return JSON.stringify(got) === JSON.stringify(want) ? [] : [{ call: c.callId, got, want }];
    });
    expect(mismatches).toEqual([]);

    const records = stats.callRecords;
    const answered = records.filter((c) => c.expected.state === 'ended' && c.expected.extension);
    const abandoned = records.filter((c) => c.expected.state === 'abandoned');
    expect(answered.length).toBeGreaterThan(20);
    expect(answered.some((c) => c.expected.transferred && c.expected.extension === '110')).toBe(true);
    expect(abandoned.filter((c) => c.expected.shortAbandoned).length).toBeGreaterThan(5);
    expect(abandoned.filter((c) => !c.expected.shortAbandoned).length).toBeGreaterThan(5);
    for (const c of answered) expect(['101', '102', '103', '110']).toContain(rows.get(c.callId)?.extension);
    // Nothing is left on the line: stop() hung up the calls in progress.
    expect([...rows.values()].filter((r) => r.state === 'waiting' || r.state === 'answered')).toEqual([]);
    expect([...rows.values()].every((r) => r.ended_at !== null && r.offered_at !== null)).toBe(true);

    // Out-of-order deliveries happened, and those calls are among the ones checked above.
    const late = records.filter((c) => c.outOfOrder);
    expect(stats.lateSent).toBeGreaterThan(10);
    expect(late.length).toBeGreaterThan(10);
    expect(late.some((c) => c.expected.state === 'ended')).toBe(true);
    expect(late.some((c) => c.expected.state === 'abandoned')).toBe(true);
  });

  it('counts the earlier calls of repeat callers', () => {
    const byKey = new Map<string, typeof stats.callRecords>();
    for (const c of stats.callRecords) {
      if (c.callerKey) byKey.set(c.callerKey, [...(byKey.get(c.callerKey) ?? []), c]);
    }
    const offeredAt = (id: string) => rows.get(id)?.offered_at?.getTime() ?? Number.NaN;
    let repeatsSeen = 0;
    for (const group of byKey.values()) {
      for (const c of group) {
        const row = rows.get(c.callId);
        expect(row?.caller_hash).toMatch(/^[0-9a-f]{64}$/);
        const others = group.filter((o) => o !== c && offeredAt(o.callId) <= offeredAt(c.callId));
        // Earlier calls whose number was stored (in an earlier request) before this call's number arrived.
        const known = others.filter(
          (o) => (o.offeredRequest ?? Number.POSITIVE_INFINITY) < (c.offeredRequest ?? 0),
        ).length;
        expect(row?.prior_contacts).toBeGreaterThanOrEqual(known);
        expect(row?.prior_contacts).toBeLessThanOrEqual(others.length);
        if (known > 0) repeatsSeen++;
      }
    }
    expect(repeatsSeen).toBeGreaterThan(20);
    // Only repeat callers have earlier contacts.
    const counted = stats.callRecords.filter((c) => (rows.get(c.callId)?.prior_contacts ?? 0) > 0);
    expect(counted.length).toBeGreaterThanOrEqual(repeatsSeen);
    expect(counted.every((c) => c.repeatCaller)).toBe(true);
    // Withheld numbers make calls without a hash and without a count.
    for (const c of stats.callRecords.filter((r) => !r.callerKey)) {
      expect(rows.get(c.callId)).toMatchObject({ caller_hash: null, prior_contacts: 0 });
    }
  });

  it('kept no caller number anywhere in the database, nor in its own log', async () => {
    expect(numbers.length).toBeGreaterThan(20);
    const { rows: tables } = await t.db.pool.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((x) => x.name)).toEqual(expect.arrayContaining(['calls', 'call_events']));
    let dump = '';
    for (const { schema, name } of tables) {
      const q = `SELECT t::text AS row FROM "${schema}"."${name}" t`;
      const { rows: all } = await t.db.pool.query<{ row: string }>(q);
      dump += `${all.map((r) => r.row).join('\n')}\n`;
    }
    expect(dump).toContain(`sim-${stats.runId}-`);
    const text = `${dump}\n${logs.join('\n')}`;
    for (const n of numbers) {
      const national = `0${n.slice(4)}`;
      for (const form of [n, n.slice(1), national])
        expect(text.includes(form), 'a caller number').toBe(false);
    }
  });
});

describe('the simulator when the server says no', () => {
  it('logs the server’s reason, does not retry what cannot succeed, and does not crash', async () => {
    const lines: string[] = [];
    const sim = createSimulator({
      url: t.baseUrl,
      secret: `${t.env.TELEPHONY_SECRET}-wrong`,
      seed: 'wrong-secret',
      rate: 600,
      speed: 10,
      duration: 1,
      log: (line) => lines.push(line),
    });
    sim.start();
    const s = await sim.done;
    expect(s.requests).toBeGreaterThan(0);
    expect(s.failedRequests).toBe(s.requests);
    expect(s.retries).toBe(0);
    expect(s.events).toBe(0);
    expect(lines.join('\n')).toMatch(/answered 401: unauthenticated: The request is not signed correctly/);
    const all = lines.join('\n');
    for (const n of sim.callerNumbers()) expect(all.includes(n.slice(4))).toBe(false);
  });

  it('retries with backoff when nothing answers, then carries on', async () => {
    const lines: string[] = [];
    const sim = createSimulator({
      url: `http://127.0.0.1:${await freePort()}`,
      secret: 'x'.repeat(32),
      seed: 'no-server',
      rate: 600,
      speed: 10,
      duration: 0.5,
      maxAttempts: 2,
      requestTimeoutMs: 1000,
      log: (line) => lines.push(line),
    });
    sim.start();
    const s = await sim.done;
    expect(s.failedRequests).toBeGreaterThan(0);
    expect(s.retries).toBeGreaterThan(0);
    expect(s.droppedEvents).toBeGreaterThan(0);
    expect(lines.join('\n')).toMatch(/failed: ECONNREFUSED/);
  }, 60_000);

  it('on stop, cancels a request the server holds, and sends nothing once stopped', async () => {
    // A server that takes requests and never answers: stop() must not leave one in flight, nor send another
    // (`pnpm start` closes the real server right after it).
    const sockets = new Set<Socket>();
    let requests = 0;
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.on('data', (d) => {
        requests += String(d).match(/^POST /gm)?.length ?? 0;
      });
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address() as AddressInfo;
    const lines: string[] = [];
    const sim = createSimulator({
      url: `http://127.0.0.1:${address.port}`,
      secret: 'x'.repeat(32),
      seed: 'silent-server',
      rate: 600,
      speed: 10,
      requestTimeoutMs: 60_000,
      log: (line) => lines.push(line),
    });
    try {
      sim.start();
      while (requests === 0) await new Promise((r) => setTimeout(r, 20));
      const s = await sim.stop({ timeoutMs: 300 });
      expect(s.droppedEvents).toBeGreaterThan(0);
      expect(s.events).toBe(0);
      const sent = requests;
      await new Promise((r) => setTimeout(r, 500));
      expect(requests).toBe(sent);
      expect(s.requests).toBe(sent);
      expect(lines.join('\n')).toMatch(/did not take the last events within 0.3 s; dropped them/);
      // Cancelled on purpose, not reported as a failure of the server.
      expect(lines.join('\n')).not.toMatch(/failed: |gave up/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 60_000);
});
