import http from 'node:http';
import pg from 'pg';
import { type BenchContext, type BenchResult, postSigned, signIn } from './lib/context';
import { log } from './lib/services';
import { now, percentiles, ratio, request } from './lib/util';

/**
 * claim-race: 50 operators, each with their own session and connection, claim the same waiting call at the
 * same instant over HTTP; 100 calls. Exactly one must win each. Baseline: the same race as a bare
 * `UPDATE … WHERE operator_id IS NULL` through pg from 50 connections.
 */
export const CLAIM = { operators: 50, calls: 100, perAddress: 20 };

function tally(winnersPerCall: number[]) {
  return {
    winners_per_call_max: Math.max(...winnersPerCall),
    winners_per_call_min: Math.min(...winnersPerCall),
  };
}

export async function claimRace(ctx: BenchContext): Promise<BenchResult> {
  log(`claim-race: ${CLAIM.operators} operators race for each of ${CLAIM.calls} calls`);
  // Sign-in allows 30 a minute per address: spread the operators over 127.0.0.2, 127.0.0.3, …
  const sessions = await Promise.all(
    ctx.benchOperators.slice(0, CLAIM.operators).map(async (username, i) => {
      const agent = new http.Agent({
        keepAlive: true,
        maxSockets: 1,
        localAddress: `127.0.0.${2 + Math.floor(i / CLAIM.perAddress)}`,
      });
      const cookie = await signIn(ctx, username, agent);
      // Open the connection now, so the race is not a race of TCP handshakes.
      const me = await request(`${ctx.server.url}/api/auth/me`, { agent, headers: { cookie } });
      if (me.status !== 200) throw new Error(`${username}: /api/auth/me answered ${me.status}`);
      return { username, agent, cookie };
    }),
  );

  const latencies: number[] = [];
  const winnerLatencies: number[] = [];
  const settle: number[] = [];
  const winners: number[] = [];
  const unexpected = new Map<number, number>();
  const callIds: string[] = [];
  for (let round = 0; round < CLAIM.calls; round++) {
    const external = `bench-claim-${String(round).padStart(3, '0')}`;
    const offered = await postSigned(ctx, {
      eventId: `${external}:offered`,
      callId: external,
      type: 'call.offered',
      at: new Date().toISOString(),
      line: '5200',
    });
    if (offered.status !== 200) throw new Error(`offering ${external}: ${offered.status} ${offered.body}`);
    const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [
      external,
    ]);
    const id = rows[0]?.id;
    if (!id) throw new Error(`${external} was not stored`);
    callIds.push(id);
    const start = now();
    const outcomes = await Promise.all(
      sessions.map((s) => {
        const t0 = now();
        return request(`${ctx.server.url}/api/queue/calls/${id}/claim`, {
          method: 'POST',
          agent: s.agent,
          body: '{}',
          headers: { 'content-type': 'application/json', cookie: s.cookie, origin: ctx.server.origin },
        }).then(
          (res) => ({ status: res.status, ms: now() - t0 }),
          () => ({ status: 0, ms: now() - t0 }),
        );
      }),
    );
    settle.push(now() - start);
    let won = 0;
    for (const o of outcomes) {
      latencies.push(o.ms);
      if (o.status === 200) {
        won++;
        winnerLatencies.push(o.ms);
      } else if (o.status !== 409) unexpected.set(o.status, (unexpected.get(o.status) ?? 0) + 1);
    }
    winners.push(won);
  }
  for (const s of sessions) s.agent.destroy();
  const { rows: drafts } = await ctx.pool.query<{ n: number }>(
    `SELECT count(k.id)::int AS n FROM unnest($1::uuid[]) AS c(id) LEFT JOIN consultations k ON k.call_id = c.id
      GROUP BY c.id`,
    [callIds],
  );
  const draftsPerCall = drafts.map((d) => d.n);

  log('claim-race baseline: bare UPDATE … WHERE operator_id IS NULL from 50 connections');
  await ctx.pool.query('CREATE TABLE bench_race (id bigserial PRIMARY KEY, operator_id integer)');
  const clients = await Promise.all(
    Array.from({ length: CLAIM.operators }, async () => {
      const c = new pg.Client({ connectionString: ctx.databaseUrl });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    }),
  );
  const baseLatencies: number[] = [];
  const baseWinners: number[] = [];
  try {
    for (let round = 0; round < CLAIM.calls; round++) {
      const { rows } = await ctx.pool.query<{ id: string }>(
        'INSERT INTO bench_race DEFAULT VALUES RETURNING id',
      );
      const id = rows[0]?.id;
      const outcomes = await Promise.all(
        clients.map((c, i) => {
          const t0 = now();
          return c
            .query(
              'UPDATE bench_race SET operator_id = $2 WHERE id = $1 AND operator_id IS NULL RETURNING id',
              [id, i + 1],
            )
            .then((r) => ({ won: r.rowCount === 1, ms: now() - t0 }));
        }),
      );
      baseWinners.push(outcomes.filter((o) => o.won).length);
      for (const o of outcomes) baseLatencies.push(o.ms);
    }
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }

  const lat = percentiles(latencies);
  const base = percentiles(baseLatencies);
  const settled = percentiles(settle);
  const t = tally(winners);
  return {
    name: 'claim-race',
    operators: CLAIM.operators,
    calls: CLAIM.calls,
    claims: latencies.length,
    ...t,
    unexpected_statuses: Object.fromEntries(unexpected),
    consultations_per_call_max: Math.max(...draftsPerCall),
    consultations_per_call_min: Math.min(...draftsPerCall),
    p50_ms: lat.p50_ms,
    p95_ms: lat.p95_ms,
    p99_ms: lat.p99_ms,
    max_ms: lat.max_ms,
    winner_p50_ms: percentiles(winnerLatencies).p50_ms,
    race_settled_p50_ms: settled.p50_ms,
    race_settled_p99_ms: settled.p99_ms,
    baseline: 'bare UPDATE ... WHERE operator_id IS NULL RETURNING id, 50 pg connections',
    baseline_winners_per_call_max: Math.max(...baseWinners),
    baseline_winners_per_call_min: Math.min(...baseWinners),
    baseline_p50_ms: base.p50_ms,
    baseline_p99_ms: base.p99_ms,
    ratio: ratio(lat.p99_ms, base.p99_ms),
    target: 'winners_per_call_max = winners_per_call_min = 1',
    meets_target: t.winners_per_call_max === 1 && t.winners_per_call_min === 1,
  };
}
