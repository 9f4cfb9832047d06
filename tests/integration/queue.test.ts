import {
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  recordChanges,
  signIn,
  startTestWorker,
  TEST_PASSWORD,
  type TestApp,
} from '@korgon/dev/testing';
import type { QueueCall, QueueSnapshot } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let secret: string;
const sockets: { username: string; close(): void }[] = [];

beforeAll(async () => {
  t = await createTestApp({
    listen: true,
    label: 'queue',
    env: { WRAP_UP_SECONDS: '1', OFFLINE_GRACE_SECONDS: '1' },
  });
  secret = t.env.TELEPHONY_SECRET;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

async function consoleOf(username: string) {
  const cookie = await signIn(t.app, username);
  const socket = await connectConsole(t.baseUrl, cookie);
  sockets.push({ username, close: () => socket.close() });
  return { cookie, socket, changes: recordChanges(socket) };
}

async function snapshot(cookie: string): Promise<QueueSnapshot> {
  const res = await fetch(`${t.baseUrl}/api/queue`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as QueueSnapshot;
}

const callIdOf = async (externalId: string) =>
  (await t.db.pool.query<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [externalId])).rows[0]
    ?.id ?? '';

describe('the live queue', () => {
  it('pushes an offered call to every console at once, numbered right after the snapshot', async () => {
    const a = await consoleOf('operator1');
    const b = await consoleOf('supervisor');
    const before = await snapshot(a.cookie);
    expect(
      (await postEvents(t.app, secret, callEvent('push-1', 'call.offered', new Date()))).statusCode,
    ).toBe(200);
    const id = await callIdOf('push-1');
    const [ca, cb] = await Promise.all(
      [a, b].map((c) => c.changes.next((ch) => ch.kind === 'call' && ch.call.id === id)),
    );
    expect(ca).toEqual(cb);
    expect(ca?.version).toBeGreaterThan(before.version);
    expect(ca).toMatchObject({ kind: 'call', call: { state: 'waiting', line: '5200', takenBy: null } });
    // Versions a console sees have no gaps and no repeats.
    const versions = a.changes.changes.map((c) => c.version);
    expect(versions).toEqual(versions.map((_, i) => (versions[0] ?? 0) + i));
    expect((await snapshot(a.cookie)).calls.map((c) => c.id)).toContain(id);
  });

  it('with 50 operators taking the same call at the same instant, exactly one gets it and every console sees who', async () => {
    const hash = (await t.db.pool.query("SELECT password_hash FROM users WHERE username = 'operator1'"))
      .rows[0].password_hash;
    const names = Array.from({ length: 50 }, (_, i) => `racer${i}`);
    await t.db.pool.query(
      `INSERT INTO users (username, display_name, password_hash, role)
       SELECT n, 'Racer ' || n, $2, 'operator' FROM unnest($1::text[]) n`,
      [names, hash],
    );
    const cookies = await Promise.all(names.map((n) => signIn(t.app, n, TEST_PASSWORD)));
    const watcher = await consoleOf('operator2');
    await postEvents(t.app, secret, callEvent('race-1', 'call.offered', new Date()));
    const id = await callIdOf('race-1');
    const results = await Promise.all(
      cookies.map((cookie) =>
        fetch(`${t.baseUrl}/api/queue/calls/${id}/claim`, {
          method: 'POST',
          headers: { cookie, origin: t.baseUrl, 'content-type': 'application/json' },
          body: JSON.stringify({ consultationId: crypto.randomUUID() }),
        }).then(async (r) => ({ status: r.status, body: await r.json() })),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const winner = winners[0]?.body as { call: QueueCall; consultationId: string };
    expect(results.find((r) => r.status === 409)?.body.message).toBe(
      `${winner.call.takenBy?.displayName} has already taken this call.`,
    );
    const seen = await watcher.changes.next(
      (c) => c.kind === 'call' && c.call.id === id && c.call.takenBy !== null,
    );
    expect(seen.kind === 'call' && seen.call.takenBy?.id).toBe(winner.call.takenBy?.id);
    const drafts = await t.db.pool.query(
      'SELECT id, operator_id, status FROM consultations WHERE call_id = $1',
      [id],
    );
    expect(drafts.rows).toEqual([
      { id: winner.consultationId, operator_id: winner.call.takenBy?.id, status: 'draft' },
    ]);
  });

  it('answers taking an unknown call with 404 and a finished one with 409', async () => {
    const cookie = await signIn(t.app, 'operator3');
    const claim = (id: string) =>
      fetch(`${t.baseUrl}/api/queue/calls/${id}/claim`, {
        method: 'POST',
        headers: { cookie, origin: t.baseUrl },
      });
    expect((await claim(crypto.randomUUID())).status).toBe(404);
    await postEvents(t.app, secret, [
      callEvent('gone-1', 'call.offered', new Date(Date.now() - 9000)),
      callEvent('gone-1', 'call.abandoned', new Date()),
    ]);
    const res = await claim(await callIdOf('gone-1'));
    expect(res.status).toBe(409);
    expect((await res.json()).message).toBe('This call is no longer waiting (it is abandoned).');
    expect((await claim('not-a-uuid')).status).toBe(400);
  });

  it('a console that reconnects finds exactly what the database holds in the snapshot', async () => {
    const c = await consoleOf('operator3');
    c.socket.close();
    await postEvents(t.app, secret, [
      callEvent('recon-1', 'call.offered', new Date()),
      callEvent('recon-2', 'call.offered', new Date(Date.now() - 4000)),
      callEvent('recon-2', 'call.abandoned', new Date()),
    ]);
    const snap = await snapshot(c.cookie);
    const { rows } = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM calls WHERE state IN ('waiting', 'answered') ORDER BY offered_at, id",
    );
    expect(snap.calls.map((x) => x.id)).toEqual(rows.map((r) => r.id));
    expect(snap.calls.map((x) => x.id)).toContain(await callIdOf('recon-1'));
    expect(snap.calls.map((x) => x.id)).not.toContain(await callIdOf('recon-2'));
    const version = Number((await t.db.pool.query('SELECT version FROM queue_state')).rows[0].version);
    expect(snap.version).toBe(version);
    const again = await connectConsole(t.baseUrl, c.cookie);
    sockets.push({ username: 'operator3', close: () => again.close() });
    const pong = await again.emitWithAck('ping');
    expect(pong.queueVersion).toBe(version);
  });

  it('operators go on call, into wrap-up, and back to available when the worker ends the wrap-up', async () => {
    const worker = await startTestWorker(t.databaseUrl, t.env);
    try {
      const sup = await consoleOf('supervisor');
      const opId = (await t.db.pool.query("SELECT id FROM users WHERE username = 'operator2'")).rows[0]
        .id as string;
      const t0 = Date.now() - 10_000;
      const posted = await postEvents(t.app, secret, [
        callEvent('wrap-1', 'call.offered', new Date(t0)),
        callEvent('wrap-1', 'call.answered', new Date(t0 + 2000), { extension: '102' }),
      ]);
      expect(posted.json()).toEqual({ received: 2, stored: 2, duplicates: 0 });
      await sup.changes.next(
        (c) => c.kind === 'operator' && c.operator.id === opId && c.operator.status === 'on_call',
      );
      await postEvents(t.app, secret, callEvent('wrap-1', 'call.ended', new Date()));
      await sup.changes.next(
        (c) => c.kind === 'operator' && c.operator.id === opId && c.operator.status === 'wrap_up',
      );
      // Pushed by the worker process through the postgres adapter, one second later.
      const back = await sup.changes.next(
        (c) => c.kind === 'operator' && c.operator.id === opId && c.operator.status === 'available',
      );
      expect(back.kind === 'operator' && back.operator.callId).toBeNull();
    } finally {
      await worker.stop();
    }
  });

  it('an operator who opens a console is available, can take a break, and is offline when the console closes', async () => {
    const sup = await consoleOf('supervisor');
    const opId = (await t.db.pool.query("SELECT id FROM users WHERE username = 'operator3'")).rows[0]
      .id as string;
    await t.db.pool.query("UPDATE operator_states SET status = 'offline' WHERE user_id = $1", [opId]);
    const op = await consoleOf('operator3');
    await sup.changes.next(
      (c) => c.kind === 'operator' && c.operator.id === opId && c.operator.status === 'available',
    );
    const res = await fetch(`${t.baseUrl}/api/operators/me/status`, {
      method: 'PUT',
      headers: { cookie: op.cookie, origin: t.baseUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'break' }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('break');
    const bad = await fetch(`${t.baseUrl}/api/operators/me/status`, {
      method: 'PUT',
      headers: { cookie: op.cookie, origin: t.baseUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'on_call' }),
    });
    expect(bad.status).toBe(400);
    // Every console of operator3 closes (the one from the reconnect test too).
    for (const s of sockets) if (s.username === 'operator3') s.close();
    await sup.changes.next(
      (c) => c.kind === 'operator' && c.operator.id === opId && c.operator.status === 'offline',
    );
  });
});
