import { type ConsoleSocket, connectConsole, createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A socket lives no longer than its session (issue 13, finding 2). */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const ended = (s: ConsoleSocket) => {
  const seen: { reason: string }[] = [];
  s.on('session:ended', (e) => seen.push(e));
  return seen;
};

async function expireSessionsOf(app: TestApp, username: string, how: 'absolute' | 'idle') {
  await app.db.pool.query(
    `UPDATE sessions SET ${how === 'absolute' ? "expires_at = now() - interval '1 second'" : "last_seen_at = now() - interval '1 day'"}
      WHERE user_id = (SELECT id FROM users WHERE username = $1)`,
    [username],
  );
}

describe('sockets and their sessions', () => {
  it('an idle session ends its socket at the next event: session:ended (expired), no answer, disconnected', async () => {
    t = await createTestApp({ listen: true, label: 'sockidle' });
    const app = t;
    const socket = await connectConsole(app.baseUrl, await signIn(app.app, 'operator1'));
    const events = ended(socket);
    const answered = await socket
      .timeout(2000)
      .emitWithAck('ping')
      .then(
        () => true,
        () => false,
      );
    expect(answered).toBe(true);
    await expireSessionsOf(app, 'operator1', 'idle');
    const late = await socket
      .timeout(2000)
      .emitWithAck('ping')
      .then(
        () => true,
        () => false,
      );
    expect(late).toBe(false);
    await vi.waitFor(() => expect(socket.connected).toBe(false), { timeout: 5000 });
    expect(events).toEqual([{ reason: 'expired' }]);
  });

  it('an expired session ends its socket on the timer, with no event sent; other sessions stay', async () => {
    t = await createTestApp({ listen: true, label: 'socktimer', env: { SOCKET_SESSION_CHECK_SECONDS: '1' } });
    const app = t;
    const one = await connectConsole(app.baseUrl, await signIn(app.app, 'operator1'));
    const two = await connectConsole(app.baseUrl, await signIn(app.app, 'operator2'));
    const seenByOne = ended(one);
    const seenByTwo = ended(two);
    await expireSessionsOf(app, 'operator1', 'absolute');
    await vi.waitFor(() => expect(one.connected).toBe(false), { timeout: 5000 });
    expect(seenByOne).toEqual([{ reason: 'expired' }]);
    // The check does not refresh sessions, and leaves live ones alone.
    await new Promise((r) => setTimeout(r, 1500));
    expect(two.connected).toBe(true);
    expect(seenByTwo).toEqual([]);
    two.disconnect();
  });
});
