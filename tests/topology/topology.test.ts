import { randomUUID } from 'node:crypto';
import type { QueueSnapshot } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  consultationWithConsent,
  referralBody,
  signIn,
  statusCounts,
  waitFor,
  webhookPartner,
} from '../integration/lib/faults';
import { LiveConsole } from './lib/console';
import { offered, postEvents, sleep, startTopology, type Topology } from './lib/topology';

/**
 * The scale-out topology of ADR 0005 with real parts on loopback: nginx (Debian's package, running the shipped
 * infra/nginx files) in front of two server processes, two worker processes, PostgreSQL and Redis. The tests run
 * in order on one topology; each leaves every process running again.
 */

let t: Topology;
let op = '';
let partnerId = '';
let consultationId = '';
const consoles: LiveConsole[] = [];
/** Every call this file made the PBX offer, by its PBX id: each must be on every console in the end. */
const offeredCalls = new Set<string>();

beforeAll(async () => {
  t = await startTopology('topology');
  op = await signIn(t.base, 'operator1');
  for (const username of ['operator1', 'operator2', 'operator3', 'operator1']) {
    const c = new LiveConsole(t.base, await signIn(t.base, username));
    consoles.push(c);
    await c.connected();
  }
}, 180_000);

afterAll(async () => {
  for (const c of consoles) c.close();
  await t?.close();
}, 120_000);

/** The webhook partner in the registry (an administrator makes it) and a consultation to refer from, once. */
async function referralsReady() {
  if (partnerId) return;
  const admin = await signIn(t.base, 'admin');
  const partner = await webhookPartner(t.base, admin, t.partnerUrl, 'crisis-topology');
  t.setPartnerSecret(partner.secret);
  partnerId = partner.id;
  consultationId = await consultationWithConsent(t.base, op);
}

const idOf = async (externalId: string) => {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [
    externalId,
  ]);
  return rows[0]?.id;
};

/** Every console holds every offered call, waiting, at the server's current version: nothing lost. */
async function consolesMatchTheServer() {
  const ids = new Map<string, string>();
  for (const ext of offeredCalls) {
    const id = await idOf(ext);
    if (!id) throw new Error(`the call ${ext} is not in the database`);
    ids.set(ext, id);
  }
  await waitFor(
    'every console to hold every call at the server version',
    async () => {
      const snap = (await (
        await fetch(`${t.base}/api/queue`, { headers: { cookie: op } })
      ).json()) as QueueSnapshot;
      return consoles.every(
        (c) =>
          c.version === snap.version && [...ids.values()].every((id) => c.calls.get(id)?.state === 'waiting'),
      );
    },
    20_000,
    async () =>
      consoles
        .map(
          (c, i) =>
            `console ${i}: version ${c.version}, ${[...ids.values()].filter((id) => c.calls.has(id)).length}/${ids.size} calls, connects ${c.connects}, disconnects ${c.disconnects.join(',')}, gaps ${c.gaps}`,
        )
        .join('\n'),
  );
  // Through nginx, no console ever failed to read its snapshot, whatever server stopped.
  expect(consoles.flatMap((c) => c.snapshotFailures)).toEqual([]);
}

/**
 * Posts calls through nginx one after another until stopped, as the PBX bridge does (apps/bridge): an answer 502
 * or 503 means "not taken, send again" (ADR 0005), and the same events are sent again; anything else fails.
 */
function pbxLoop() {
  let running = true;
  const failures: string[] = [];
  const retried: string[] = [];
  let posted = 0;
  const done = (async () => {
    while (running) {
      const ext = `topo-${randomUUID()}`;
      const events = [offered(ext)];
      for (let attempt = 0; ; attempt++) {
        const res = await postEvents(t.base, events);
        if (res.status === 200) {
          offeredCalls.add(ext);
          posted++;
          break;
        }
        const text = await res.text();
        if ((res.status === 502 || res.status === 503) && attempt < 5) {
          retried.push(`${res.status} ${res.headers.get('x-request-id') ?? ''}`);
          await sleep(100);
          continue;
        }
        failures.push(`${res.status} ${text.slice(0, 200)}`);
        break;
      }
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done.catch((err: Error) => failures.push(`the loop stopped: ${err.message}`));
      return { posted, failures, retried };
    },
  };
}

/** What nginx said about the requests it answered 502 (the lines of its error log naming an upstream). */
const upstreamErrors = () =>
  t.nginx
    .errorLog()
    .split('\n')
    .filter((l) => / \[error\] /.test(l) && !l.includes('connect() failed (111'))
    .map((l) => l.replace(/^.*?\*\d+ /, '').replace(/, client:.*?request: /, ' — '))
    .slice(-5);

describe('the scale-out topology behind nginx', () => {
  it('a console connected through one node sees a call ingested through the other', async () => {
    // Ingested by each server directly: whichever server a console is on, one of the two calls came through the
    // other, and reached it through Redis.
    const [onA, onB] = [`topo-a-${randomUUID()}`, `topo-b-${randomUUID()}`];
    expect((await postEvents(`http://127.0.0.1:${t.ports.a}`, [offered(onA)])).status).toBe(200);
    expect((await postEvents(`http://127.0.0.1:${t.ports.b}`, [offered(onB)])).status).toBe(200);
    offeredCalls.add(onA).add(onB);
    await consolesMatchTheServer();
    // Through nginx, every answer names nginx's request id, and nginx's log names it with the server that answered.
    const res = await fetch(`${t.base}/api/queue`, { headers: { cookie: op } });
    const requestId = res.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor('the access log line', async () => t.nginx.accessLog().includes(requestId), 5000);
    const line =
      t.nginx
        .accessLog()
        .split('\n')
        .find((l) => l.includes(requestId)) ?? '';
    expect(line).toMatch(new RegExp(`upstream=127\\.0\\.0\\.1:(${t.ports.a}|${t.ports.b}) `));
    // Both servers take requests (least_conn spreads them).
    const upstreams = new Set(
      [...t.nginx.accessLog().matchAll(/upstream=127\.0\.0\.1:(\d+) /g)].map((m) => m[1]),
    );
    expect(upstreams).toEqual(new Set([String(t.ports.a), String(t.ports.b)]));
  });

  it('a referral sent through either node is delivered by one of the two workers, exactly once', async () => {
    await referralsReady();
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids) {
      const res = await call(
        t.base,
        op,
        'POST',
        '/api/referrals',
        referralBody(id, consultationId, partnerId),
      );
      expect(res.status, res.text).toBe(201);
    }
    await waitFor(
      'every referral delivered',
      async () => ids.every((id) => t.partner.effects.has(id)),
      60_000,
      async () => JSON.stringify(await statusCounts(t.db.pool)),
    );
    // Settled: no delivery is still running that could repeat one.
    await waitFor(
      'no delivery job left',
      async () => (await statusCounts(t.db.pool)).delivered === 20,
      30_000,
    );
    for (const id of ids) expect(t.partner.calls.filter((c) => c.idempotencyKey === id).length, id).toBe(1);
    // The referrals were sent through both servers.
    const posts = t.nginx
      .accessLog()
      .split('\n')
      .filter((l) => l.includes('"POST /api/referrals"'));
    expect(new Set(posts.map((l) => /upstream=(\S+)/.exec(l)?.[1])).size).toBe(2);
  });

  it('stopping one server moves its consoles to the other without losing a change', async () => {
    const before = consoles.map((c) => c.disconnects.length);
    const pbx = pbxLoop();
    try {
      await sleep(300);
      const a = t.servers.a;
      a.child.kill('SIGTERM');
      expect(await a.exit, a.output().slice(-3000)).toBe(0);
      await sleep(500);
      for (const c of consoles) await c.connected();
      await sleep(300);
    } finally {
      await pbx.stop();
    }
    const { posted, failures, retried } = await pbx.stop();
    // nginx passed every call to the server still running; none lost, at worst answered 502/503 and sent again.
    expect(failures).toEqual([]);
    console.info(
      `[topology] one server stopped: ${posted} PBX posts, sent again after 502/503: ${retried.length}${retried.length ? ` (nginx: ${upstreamErrors().join(' | ')})` : ''}`,
    );
    expect(posted).toBeGreaterThan(5);
    const moved = consoles.filter((c, i) => c.disconnects.length > (before[i] ?? 0));
    // least_conn spread the four consoles over both servers: those on A moved, the others stayed.
    expect(moved.length).toBeGreaterThanOrEqual(1);
    expect(moved.length).toBeLessThan(consoles.length);
    await consolesMatchTheServer();
    await t.restartServer('a');
  });

  it('SIGTERM to a worker in the middle of its jobs loses none, and repeats none', async () => {
    await referralsReady();
    const ids = Array.from({ length: 24 }, () => randomUUID());
    const delivered = (await statusCounts(t.db.pool)).delivered ?? 0;
    // The partner holds every delivery until released: each held one is a job running on one of the workers.
    t.holdPartner();
    try {
      const sent = await Promise.all(
        ids.map((id) =>
          call(t.base, op, 'POST', '/api/referrals', referralBody(id, consultationId, partnerId)),
        ),
      );
      expect(sent.map((r) => r.status)).toEqual(ids.map(() => 201));
      // Both workers busy: each runs up to WORKER_CONCURRENCY (10) deliveries at once.
      await waitFor('deliveries running on both workers', async () => t.heldDeliveries() >= 20, 60_000);
      const w1 = t.workers.w1;
      w1.child.kill('SIGTERM');
      // Stopping, it takes no new job and waits for its running ones, which then get their answers.
      await sleep(500);
      expect(w1.child.exitCode, 'the worker waits for its running jobs').toBeNull();
      t.releasePartner();
      expect(await w1.exit, w1.output().slice(-3000)).toBe(0);
    } finally {
      t.releasePartner();
    }
    await waitFor(
      'every referral delivered',
      async () => (await statusCounts(t.db.pool)).delivered === delivered + ids.length,
      60_000,
      async () => JSON.stringify(await statusCounts(t.db.pool)),
    );
    for (const id of ids) expect(t.partner.calls.filter((c) => c.idempotencyKey === id).length, id).toBe(1);
    await t.startWorker('w1');
  });

  it('rolling restart under traffic: SIGTERM to each server in turn and to a worker mid-job loses no request, no change and no job', async () => {
    await referralsReady();
    t.setPartnerDelay(300);
    const delivered = (await statusCounts(t.db.pool)).delivered ?? 0;
    let running = true;
    const log = {
      gets: 0,
      posts: 0,
      referrals: [] as string[],
      retried: [] as string[],
      failed: [] as string[],
    };
    /**
     * What a client does: reads (GET, which nginx retries on the other server by itself) and changes (POST).
     * A POST answered 502 or 503 is retryable (nothing ran: ADR 0005), and sent again as it was; the routes
     * posted here are idempotent (a PBX event by its eventId, a referral by its id).
     */
    const post = async (
      what: string,
      send: () => Promise<{ status: number; text: string }>,
      ok: number[],
    ) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await send();
        if (ok.includes(res.status)) return;
        if (res.status === 502 || res.status === 503) {
          log.retried.push(`${what}: ${res.status}`);
          await sleep(200);
          continue;
        }
        log.failed.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
        return;
      }
      log.failed.push(`${what}: still refused after 5 attempts`);
    };
    const client = async (n: number) => {
      for (let i = 0; running; i++) {
        const read = await call(t.base, op, 'GET', '/api/queue');
        log.gets++;
        if (read.status !== 200) log.failed.push(`GET /api/queue: ${read.status} ${read.text.slice(0, 200)}`);
        const ext = `roll-${n}-${randomUUID()}`;
        const events = [offered(ext)];
        await post('POST /api/telephony/events', async () => {
          const res = await postEvents(t.base, events);
          return { status: res.status, text: await res.text() };
        }, [200]);
        offeredCalls.add(ext);
        log.posts++;
        if (i % 4 === 0) {
          const id = randomUUID();
          log.referrals.push(id);
          await post(
            'POST /api/referrals',
            () => call(t.base, op, 'POST', '/api/referrals', referralBody(id, consultationId, partnerId)),
            [200, 201],
          );
        }
      }
    };
    const clients = [client(1), client(2)];
    const exits: Record<string, number | null> = {};
    try {
      for (const which of ['a', 'b'] as const) {
        await sleep(700);
        const s = t.servers[which];
        s.child.kill('SIGTERM');
        exits[which] = await s.exit;
        expect(s.output(), `server ${which}`).not.toContain('shutdown took longer');
        await t.restartServer(which);
        for (const c of consoles) await c.connected();
      }
      // A worker stopped while deliveries run (the partner answers slowly): it finishes them and exits.
      await waitFor(
        'deliveries in flight',
        async () => ((await t.jobs.queues.referrals.getJobCounts('active')).active ?? 0) >= 1,
        30_000,
      );
      const w2 = t.workers.w2;
      w2.child.kill('SIGTERM');
      exits.w2 = await w2.exit;
      await t.startWorker('w2');
      await sleep(700);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nnginx errors:\n${t.nginx.errorLog().slice(-4000)}`);
    } finally {
      running = false;
      await Promise.all(clients);
    }
    expect(exits).toEqual({ a: 0, b: 0, w2: 0 });
    // No request lost: every read answered 200 (nginx retried it on the other server when needed), every change
    // accepted, at the latest when sent again after a retryable 502/503.
    expect(log.failed).toEqual([]);
    expect(log.gets).toBeGreaterThan(20);
    console.info(
      `[topology] rolling restart: ${log.gets} reads, ${log.posts} PBX events, ${log.referrals.length} referrals; sent again by the client after 502/503: ${log.retried.length ? `${log.retried.join(', ')} (nginx: ${upstreamErrors().join(' | ')})` : 'none'}`,
    );
    // No socket change lost: every console holds every call, at the server's version.
    await consolesMatchTheServer();
    // No job lost, none repeated: each referral delivered once.
    await waitFor(
      'every referral delivered',
      async () => (await statusCounts(t.db.pool)).delivered === delivered + log.referrals.length,
      60_000,
      async () => JSON.stringify(await statusCounts(t.db.pool)),
    );
    for (const id of log.referrals)
      expect(t.partner.calls.filter((c) => c.idempotencyKey === id).length, id).toBe(1);
    t.setPartnerDelay(0);
  });
});
