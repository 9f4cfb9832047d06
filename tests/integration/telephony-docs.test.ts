import {
  callEvent,
  createTestApp,
  dumpDatabaseText,
  postEvents,
  runCurlExample,
  signIn,
  type TestApp,
} from '@korgon/dev/testing';
import type { QueueSnapshot } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'docs' });
});
afterAll(async () => t?.close());

describe('docs/telephony.md', () => {
  it('its curl example works as written: stored once, then a duplicate, and the call is in the queue', async () => {
    const env = { KORGON_URL: t.baseUrl, TELEPHONY_SECRET: t.env.TELEPHONY_SECRET, CALL_ID: 'curl-doc-1' };
    expect(await runCurlExample(env)).toEqual({ received: 1, stored: 1, duplicates: 0 });
    expect(await runCurlExample(env)).toEqual({ received: 1, stored: 0, duplicates: 1 });
    const cookie = await signIn(t.app, 'operator1');
    const snap = (await (
      await fetch(`${t.baseUrl}/api/queue`, { headers: { cookie } })
    ).json()) as QueueSnapshot;
    const ids = await t.db.pool.query("SELECT id FROM calls WHERE external_id = 'curl-doc-1'");
    expect(snap.calls.map((c) => c.id)).toContain(ids.rows[0]?.id);
  });

  it('leaves no caller number in clear anywhere in the database', async () => {
    const numbers = ['+996555123456', '+996700111222', '+996777333444'];
    await postEvents(t.app, t.env.TELEPHONY_SECRET, [
      callEvent('dump-1', 'call.offered', new Date(), { callerNumber: numbers[1] }),
      callEvent('dump-2', 'call.offered', new Date(), { callerNumber: numbers[2] }),
    ]);
    // A rejected batch carrying a number stores nothing either.
    const bad = await postEvents(t.app, t.env.TELEPHONY_SECRET, {
      ...callEvent('dump-3', 'call.offered', new Date()),
      callerNumber: '+996 555',
    });
    expect(bad.statusCode).toBe(400);
    const { text } = await dumpDatabaseText(t.databaseUrl);
    expect(text).toContain('dump-1');
    for (const n of numbers) {
      expect(text).not.toContain(n);
      expect(text).not.toContain(n.slice(4));
    }
  });
});
