import { createDb, migrate } from '@korgon/db';
import { freePort } from '@korgon/dev/postgres';
import {
  callEvent,
  connectConsole,
  enrolTestDemo,
  freshDatabase,
  PROCESS_SECRETS,
  recordChanges,
  signInOverHttp,
  startProcess,
  TEST_PASSWORD,
  waitForUrl,
} from '@korgon/dev/testing';
import { seedDemo } from '@korgon/server';
import { signedHeaders } from '@korgon/signing';
import { describe, expect, it } from 'vitest';

/** Signs in (second factor included) on one of the servers. */
const login = (base: string, origin: string, username: string): Promise<string> =>
  signInOverHttp(base, username, { origin });

/** Posts PBX events to a server process, signed as the PBX signs them. */
async function postSigned(base: string, events: unknown) {
  const body = JSON.stringify(events);
  const posted = await fetch(`${base}/api/telephony/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signedHeaders(PROCESS_SECRETS.TELEPHONY_SECRET, body) },
    body,
  });
  expect(posted.status).toBe(200);
}

describe('two server processes on one database', () => {
  it('an event ingested by one reaches consoles connected to the other, and so does a claim', async () => {
    const databaseUrl = await freshDatabase('fanout');
    await migrate(databaseUrl);
    const h = createDb(databaseUrl, { max: 2 });
    await seedDemo(h.db, TEST_PASSWORD);
    await enrolTestDemo(h.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
    const [pa, pb] = [await freePort(), await freePort()];
    const origin = 'http://korgon.test';
    const env = { ...PROCESS_SECRETS, NODE_ENV: 'production', DATABASE_URL: databaseUrl, PUBLIC_URL: origin };
    const a = startProcess('server', { ...env, PORT: String(pa) });
    const b = startProcess('server', { ...env, PORT: String(pb) });
    try {
      const [baseA, baseB] = [`http://127.0.0.1:${pa}`, `http://127.0.0.1:${pb}`];
      await Promise.all([waitForUrl(`${baseA}/healthz`), waitForUrl(`${baseB}/healthz`)]);
      const onA = recordChanges(await connectConsole(baseA, await login(baseA, origin, 'operator2'), origin));
      const cookieB = await login(baseB, origin, 'operator1');
      const onB = recordChanges(await connectConsole(baseB, cookieB, origin));

      await postSigned(
        baseA,
        callEvent('fan-1', 'call.offered', new Date(), { callerNumber: '+996555777888' }),
      );
      const seenOnB = await onB.next((c) => c.kind === 'call' && c.call.state === 'waiting');
      if (seenOnB.kind !== 'call') throw new Error('expected a call change');
      const callId = seenOnB.call.id;

      // Taken through B: the console on A sees who took it.
      const claim = await fetch(`${baseB}/api/queue/calls/${callId}/claim`, {
        method: 'POST',
        headers: { cookie: cookieB, origin },
      });
      expect(claim.status).toBe(200);
      const seenOnA = await onA.next(
        (c) => c.kind === 'call' && c.call.id === callId && c.call.takenBy !== null,
      );
      expect(seenOnA.kind === 'call' && seenOnA.call.takenBy?.displayName).toBe('Айгүл Асанова');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await h.close();
    }
  });

  it('a push from the worker (a wrap-up it ends) reaches consoles on both servers', async () => {
    const databaseUrl = await freshDatabase('fanoutworker');
    const h = createDb(databaseUrl, { max: 2 });
    await seedDemo(h.db, TEST_PASSWORD);
    await enrolTestDemo(h.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
    const [pa, pb] = [await freePort(), await freePort()];
    const origin = 'http://korgon.test';
    const env = {
      ...PROCESS_SECRETS,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: origin,
      WRAP_UP_SECONDS: '1',
    };
    const a = startProcess('server', { ...env, PORT: String(pa) });
    const b = startProcess('server', { ...env, PORT: String(pb) });
    const worker = startProcess('worker', env);
    try {
      const [baseA, baseB] = [`http://127.0.0.1:${pa}`, `http://127.0.0.1:${pb}`];
      await Promise.all([waitForUrl(`${baseA}/healthz`), waitForUrl(`${baseB}/healthz`)]);
      const onA = recordChanges(await connectConsole(baseA, await login(baseA, origin, 'operator2'), origin));
      const onB = recordChanges(
        await connectConsole(baseB, await login(baseB, origin, 'supervisor'), origin),
      );
      const t0 = Date.now();
      await postSigned(baseA, [
        callEvent('fan-w', 'call.offered', new Date(t0 - 20_000)),
        callEvent('fan-w', 'call.answered', new Date(t0 - 10_000), { extension: '103' }),
        callEvent('fan-w', 'call.ended', new Date(t0)),
      ]);
      // Server A pushes the wrap-up; one second later the worker ends it and pushes that, through Redis, to
      // the consoles of both servers.
      const wrapUp = await onB.next((c) => c.kind === 'operator' && c.operator.status === 'wrap_up');
      if (wrapUp.kind !== 'operator') throw new Error('expected an operator change');
      const isEnd = (c: (typeof onA.changes)[number]) =>
        c.kind === 'operator' && c.operator.id === wrapUp.operator.id && c.operator.status === 'available';
      const [endOnA, endOnB] = await Promise.all([onA.next(isEnd, 20_000), onB.next(isEnd, 20_000)]);
      expect(endOnA.version).toBe(endOnB.version);
      expect(endOnA.version).toBeGreaterThan(wrapUp.version);
      const { rows } = await h.pool.query('SELECT status FROM operator_states WHERE user_id = $1', [
        wrapUp.operator.id,
      ]);
      expect(rows[0]?.status).toBe('available');
    } finally {
      await Promise.all([a.stop(), b.stop(), worker.stop()]);
      await h.close();
    }
  });
});
