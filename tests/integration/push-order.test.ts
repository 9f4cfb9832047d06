import {
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  recordChanges,
  signIn,
  type TestApp,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'order' });
});
afterAll(async () => t?.close());

describe('push order', () => {
  it('a console receives the changes of many commits in version order, without gaps', async () => {
    const watcher = recordChanges(await connectConsole(t.baseUrl, await signIn(t.app, 'supervisor')));
    const start = Number((await t.db.pool.query('SELECT version FROM queue_state')).rows[0].version);
    // A batch makes many changes in one commit; several posts make many commits.
    const batch = Array.from({ length: 60 }, (_, i) => callEvent(`order-${i}`, 'call.offered', new Date()));
    await Promise.all([
      postEvents(t.app, t.env.TELEPHONY_SECRET, batch),
      ...Array.from({ length: 40 }, (_, i) =>
        postEvents(t.app, t.env.TELEPHONY_SECRET, callEvent(`solo-${i}`, 'call.offered', new Date())),
      ),
    ]);
    const end = Number((await t.db.pool.query('SELECT version FROM queue_state')).rows[0].version);
    await watcher.next((c) => c.version === end);
    const versions = watcher.changes.map((c) => c.version).filter((v) => v > start);
    expect(versions).toEqual(Array.from({ length: end - start }, (_, i) => start + 1 + i));
  });
});
