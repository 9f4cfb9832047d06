import { createTestApp, signIn } from '@korgon/dev/testing';
import { io } from 'socket.io-client';
import { expect, it } from 'vitest';

/**
 * A server closing (SIGTERM: apps/server/src/main.ts) while consoles connect: sockets whose handshake was still in
 * the session check when the close began must not keep it open. Before the fix (preClose disconnected only the
 * sockets already connected) such sockets connected afterwards, the HTTP server waited for them, and the process
 * hung until its 20 s forced exit; with 60 consoles connecting, every run did. Also: the close ends connections
 * without a server disconnect, so the browser's socket.io reconnects (to another server behind the proxy).
 */
it('closes while consoles are still connecting, and leaves none connected, each free to reconnect', async () => {
  const t = await createTestApp({ label: 'socketclose', listen: true });
  try {
    const cookie = await signIn(t.app, 'operator1');
    const sockets = Array.from({ length: 60 }, () =>
      io(t.baseUrl, {
        path: '/socket.io',
        transports: ['websocket'],
        extraHeaders: { origin: t.baseUrl, cookie },
        reconnection: false,
      }),
    );
    const reasons: string[] = [];
    let connected = 0;
    for (const s of sockets) {
      s.on('connect', () => connected++);
      s.on('disconnect', (reason) => reasons.push(reason));
    }
    try {
      // Close as the first ones connect: the others are in their handshake.
      while (connected < 5) await new Promise((r) => setTimeout(r, 1));
      await t.app.close();
      await new Promise((r) => setTimeout(r, 200));
      expect(sockets.filter((s) => s.connected)).toHaveLength(0);
      // Closed, not disconnected by the server: socket.io reconnects after "transport close" by itself.
      expect(reasons.length).toBeGreaterThanOrEqual(5);
      expect(reasons.filter((r) => r === 'io server disconnect')).toEqual([]);
    } finally {
      for (const s of sockets) s.close();
    }
  } finally {
    await t.close().catch(() => undefined);
  }
});
