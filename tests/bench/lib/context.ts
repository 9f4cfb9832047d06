import http from 'node:http';
import { passSecondFactor } from '@korgon/dev/testing';
import { signedHeaders } from '@korgon/signing';
import type pg from 'pg';
import type { BenchRedis, RunningServer, ServerSecrets } from './services';
import { cookieOf, type HttpResult, request } from './util';

export interface BenchContext {
  server: RunningServer;
  /** A pool on the bench database, for setup, baselines and checks. */
  pool: pg.Pool;
  databaseUrl: string;
  /** The run's Redis and key prefix (REDIS_URL, REDIS_PREFIX of the server and the worker). */
  redis: BenchRedis;
  secrets: ServerSecrets;
  /** The demo users' password (operator1..3, supervisor) and the bench operators'. */
  password: string;
  /** bench-op-01 … bench-op-50: distinct operators for the claim race. */
  benchOperators: string[];
}

export type BenchResult = { name: string } & Record<string, unknown>;

/** Keep-alive connections for the load generator's own requests. */
export const loadAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** POST /api/telephony/events, signed as a PBX signs it. */
export function postSigned(
  ctx: BenchContext,
  body: unknown,
  agent: http.Agent = loadAgent,
): Promise<HttpResult> {
  const raw = JSON.stringify(body);
  return request(`${ctx.server.url}/api/telephony/events`, {
    method: 'POST',
    agent,
    body: raw,
    headers: { 'content-type': 'application/json', ...signedHeaders(ctx.secrets.TELEPHONY_SECRET, raw) },
  });
}

/**
 * Signs in through the real route and returns the cookie. Sign-in is limited to 30 a minute per address, so
 * callers that need many sessions pass an agent bound to another loopback address (127.0.0.2, …).
 */
export async function signIn(ctx: BenchContext, username: string, agent?: http.Agent): Promise<string> {
  const res = await request(`${ctx.server.url}/api/auth/login`, {
    method: 'POST',
    agent,
    body: JSON.stringify({ username, password: ctx.password }),
    headers: { 'content-type': 'application/json', origin: ctx.server.origin },
  });
  if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status} ${res.body.slice(0, 200)}`);
  const cookie = cookieOf(res);
  // The supervisor's second factor: the demo's secret, derived from the bench's demo password (run.ts).
  await passSecondFactor(
    async (url, body) => {
      const r = await request(`${ctx.server.url}${url}`, {
        method: 'POST',
        agent,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', origin: ctx.server.origin, cookie },
      });
      return { status: r.status, body: r.body };
    },
    username,
    (JSON.parse(res.body) as { next?: string }).next,
    { demoPassword: ctx.password },
  );
  return cookie;
}
