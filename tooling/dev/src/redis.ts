import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

export type RedisKind = 'env' | 'local' | 'embedded';

export interface RedisServer {
  kind: RedisKind;
  url: string;
  stop(): Promise<void>;
}

export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

/** True when a Redis at `url` answers PING within the timeout. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Debian's redis-server (or another on the PATH); redis-memory-server would otherwise build one from source. */
export function findRedisServer(): string | undefined {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface ResolveRedisOptions {
  /** REDIS_URL when set. */
  redisUrl?: string | undefined;
  /** Where the embedded Redis keeps its files. */
  embeddedDir: string;
  /** Keep the embedded Redis's data between starts (append-only file), or keep nothing (tests). */
  persistent: boolean;
  log?: (line: string) => void;
}

/**
 * The one choice shared by `pnpm start` and `pnpm test`, as for PostgreSQL: REDIS_URL when set, else Redis
 * on 127.0.0.1:6379 when one answers, else an embedded Redis (redis-memory-server, pointed at the
 * redis-server binary on this machine). KORGON_REDIS=embedded forces the fallback.
 */
export async function resolveRedis(opts: ResolveRedisOptions): Promise<RedisServer> {
  if (opts.redisUrl) return { kind: 'env', url: opts.redisUrl, stop: async () => {} };
  if (process.env.KORGON_REDIS !== 'embedded' && (await redisAnswers(LOCAL_REDIS_URL)))
    return { kind: 'local', url: LOCAL_REDIS_URL, stop: async () => {} };
  const binary = findRedisServer();
  if (!binary)
    throw new Error(
      'No Redis answers on 127.0.0.1:6379 and no redis-server binary was found for an embedded one. Install it (apt-get install -y redis-server) or set REDIS_URL.',
    );
  const dir = resolve(opts.embeddedDir);
  mkdirSync(dir, { recursive: true });
  const { RedisMemoryServer } = await import('redis-memory-server');
  const args = opts.persistent
    ? ['--dir', dir, '--appendonly', 'yes', '--save', '']
    : ['--dir', dir, '--appendonly', 'no', '--save', ''];
  const server = await RedisMemoryServer.create({
    binary: { systemBinary: binary },
    instance: { ip: '127.0.0.1', args },
  });
  const url = `redis://127.0.0.1:${await server.getPort()}`;
  opts.log?.(`started an embedded Redis (${binary}) at ${url}, data in ${dir}`);
  let stopped = false;
  return {
    kind: 'embedded',
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * Deletes every key under a prefix (SCAN + UNLINK): what tests use to clean up after themselves on a shared
 * Redis. Never FLUSHALL: other runs and other programs may use the same Redis.
 */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return deleted;
}
