import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { freePort } from '../postgres';
import { findRedisServer, redisAnswers } from '../redis';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Starts it (again, on the same port); it keeps nothing between starts. */
  start(): Promise<void>;
  /** SIGKILL: everything it held is gone. */
  kill(): Promise<void>;
  /** FLUSHALL on this private server only. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server of a fault test's own, on a port of its own, keeping nothing on disk: the test may kill it,
 * restart it empty or flush it without touching the Redis other tests share.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const waitUntil = (up: boolean) =>
    vi.waitFor(
      async () => {
        if ((await redisAnswers(url, 300)) !== up)
          throw new Error(`the private Redis on ${port} did not ${up ? 'start' : 'stop'}`);
      },
      { timeout: 10_000, interval: 50 },
    );
  const handle: PrivateRedis = {
    url,
    port,
    async start() {
      child = spawn(
        binary,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      await waitUntil(true);
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
      await waitUntil(false);
    },
    async flushAll() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
    async stop() {
      await handle.kill();
    },
  };
  await handle.start();
  return handle;
}
