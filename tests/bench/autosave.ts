import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import pg from 'pg';
import { type BenchContext, type BenchResult, signIn } from './lib/context';
import { sampleLockWaits } from './lib/lock-sampler';
import { log } from './lib/services';
import { now, percentiles, ratio, request, sleep } from './lib/util';

/**
 * autosave: the consultations table filled to 1,000,000 rows by SQL (bounded: the fill is timed and
 * reported; then VACUUM (ANALYZE) and a CHECKPOINT, also timed, so that the bulk load's after-effects do not
 * fall inside the measurement), then several signed-in operators autosave their own drafts through the real server
 * (`PUT /api/consultations/:id` with the revision each answer returned) at 100 saves/s for 30 s (a 2 s
 * warm-up is not counted). Baseline, same run: a bare parameterised `INSERT … ON CONFLICT (id) DO UPDATE`
 * of the same rows through pg, at the same rate, from as many connections as operators.
 */
export const AUTOSAVE = {
  rows: Number(process.env.BENCH_AUTOSAVE_ROWS ?? 1_000_000),
  fillChunk: 250_000,
  ratePerSecond: Number(process.env.BENCH_AUTOSAVE_RATE ?? 100),
  seconds: Number(process.env.BENCH_AUTOSAVE_SECONDS ?? 30),
  warmupSeconds: 2,
  baselineSeconds: Number(process.env.BENCH_AUTOSAVE_BASELINE_SECONDS ?? 15),
  operators: 10,
  draftsPerOperator: 20,
  /** Sign-ins are limited per address: these operators sign in from 127.0.0.20. */
  address: '127.0.0.20',
};

/** What a console autosaves: the structured record (coarse fields) and the notes (sealed by the server). */
function draft(n: number) {
  return {
    contactKind: 'about_self',
    survivor: {
      region: ['KG-GB', 'KG-C', 'KG-J', 'KG-O', 'KG-Y'][n % 5],
      ageBand: '26-40',
      gender: 'female',
      language: n % 2 ? 'ky' : 'ru',
    },
    violenceForms: n % 3 ? ['physical', 'threats'] : ['psychological', 'economic'],
    consent: { referral: n % 4 ? 'yes' : 'no' },
    safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
  };
}
const notes = (n: number) =>
  `Called from a neighbour's phone. Husband drinks, threatened her again last night (${n}). ` +
  'Two children, 4 and 7. Wants to know about the crisis centre and a protection order.';

/** 1,000,000 consultations by SQL, in chunks (each its own statement), spread over every operator. */
async function fill(
  ctx: BenchContext,
): Promise<{ seconds: number; settleSeconds: number; checkpoint: boolean; rows: number }> {
  const { rows: existing } = await ctx.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM consultations',
  );
  const want = AUTOSAVE.rows - (existing[0]?.n ?? 0);
  const { rows: ops } = await ctx.pool.query<{ id: string }>(
    "SELECT id FROM users WHERE role = 'operator' ORDER BY username",
  );
  const operatorIds = ops.map((o) => o.id);
  const client = new pg.Client({ connectionString: ctx.databaseUrl, application_name: 'korgon-bench-fill' });
  await client.connect();
  const t0 = now();
  try {
    for (let done = 0; done < want; done += AUTOSAVE.fillChunk) {
      const n = Math.min(AUTOSAVE.fillChunk, want - done);
      await client.query(
        // References for the whole chunk in one take (one counter update, not one per row: the insert trigger
        // assigns only the references not given).
        `WITH block AS (SELECT reference_year(now()) AS year, reference_take('K', reference_year(now()), $3::int - $2::int + 1) AS first)
         INSERT INTO consultations (id, reference, channel, operator_id, status, revision, taxonomy_version, data, created_at, updated_at)
         SELECT gen_random_uuid(), reference_format('K', block.year, block.first + i - $2::int), 'call', ($1::uuid[])[1 + i % cardinality($1::uuid[])], 'draft', 1, 'kg-2026.1',
                jsonb_build_object(
                  'contactKind', 'about_self',
                  'survivor', jsonb_build_object('region', (ARRAY['KG-GB','KG-C','KG-J','KG-O','KG-Y'])[1 + i % 5],
                                                 'ageBand', '26-40', 'gender', 'female'),
                  'violenceForms', '["physical","threats"]'::jsonb,
                  'consent', jsonb_build_object('referral', CASE WHEN i % 4 = 0 THEN 'no' ELSE 'yes' END),
                  'safeContact', '{"callbackFrom":"18:00","callbackTo":"20:00"}'::jsonb),
                now() - make_interval(secs => i * 30), now() - make_interval(secs => i * 30)
           FROM block, generate_series($2::int, $3::int) AS i`,
        [operatorIds, done + 1, done + n],
      );
      log(`  autosave fill: ${done + n}/${want} rows (${Math.round((now() - t0) / 1000)} s)`);
    }
  } finally {
    await client.end();
  }
  const filledAt = now();
  // A million rows written in seconds leave work a real table does not have at once: hint bits to set on
  // first read, statistics, and ~1 GB of dirty pages whose checkpoint would land inside the measurement.
  // Settle them first (timed), so the figures are autosave's own.
  const settle = new pg.Client({ connectionString: ctx.databaseUrl, application_name: 'korgon-bench-fill' });
  await settle.connect();
  let checkpoint = true;
  try {
    await settle.query('VACUUM (ANALYZE) consultations');
    await settle.query('CHECKPOINT').catch((err: Error) => {
      checkpoint = false;
      log(`  autosave: CHECKPOINT refused (${err.message}); a checkpoint may fall inside the measurement`);
    });
  } finally {
    await settle.end();
  }
  const { rows: count } = await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM consultations');
  return {
    seconds: Math.round((filledAt - t0) / 100) / 10,
    settleSeconds: Math.round((now() - filledAt) / 100) / 10,
    checkpoint,
    rows: count[0]?.n ?? 0,
  };
}

interface Draft {
  id: string;
  n: number;
  revision: number;
  busy: boolean;
  operator: number;
}

/**
 * Open loop at `rate`: save i goes out at start + i/rate to the next draft that has no save in flight (a
 * console saves one draft at a time); when every draft is busy the save is skipped and counted.
 */
async function drive(
  drafts: Draft[],
  seconds: number,
  save: (d: Draft, i: number) => Promise<{ ok: boolean; revision?: number; conflict?: boolean }>,
) {
  const total = (seconds + AUTOSAVE.warmupSeconds) * AUTOSAVE.ratePerSecond;
  const warmup = AUTOSAVE.warmupSeconds * AUTOSAVE.ratePerSecond;
  const latencies: number[] = [];
  /** [send time (ms since the start), latency] of every counted save, for BENCH_AUTOSAVE_TRACE. */
  const trace: [number, number][] = [];
  let errors = 0;
  let conflicts = 0;
  let skipped = 0;
  let cursor = 0;
  const start = now() + 100;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / AUTOSAVE.ratePerSecond;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    let d: Draft | undefined;
    for (let k = 0; k < drafts.length && !d; k++) {
      const c = drafts[(cursor + k) % drafts.length] as Draft;
      if (!c.busy) d = c;
    }
    cursor++;
    if (!d) {
      skipped++;
      continue;
    }
    const target = d;
    target.busy = true;
    const t0 = now();
    inFlight.push(
      save(target, i).then(
        (r) => {
          if (i >= warmup) {
            latencies.push(now() - t0);
            trace.push([Math.round(t0 - start), now() - t0]);
          }
          if (r.revision !== undefined) target.revision = r.revision;
          if (r.conflict) conflicts++;
          else if (!r.ok) errors++;
          target.busy = false;
        },
        () => {
          errors++;
          target.busy = false;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { latencies, trace, errors, conflicts, skipped };
}

export async function autosave(ctx: BenchContext): Promise<BenchResult> {
  log(`autosave: filling consultations to ${AUTOSAVE.rows} rows`);
  const filled = await fill(ctx);
  log(
    `autosave: ${filled.rows} consultations in ${filled.seconds} s; VACUUM (ANALYZE) and CHECKPOINT in ${filled.settleSeconds} s`,
  );

  // Operators, each with their own session and browser-like connections, each saving only their own drafts.
  const usernames = ctx.benchOperators.slice(0, AUTOSAVE.operators);
  const operators = await Promise.all(
    usernames.map(async (username) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 6, localAddress: AUTOSAVE.address });
      const cookie = await signIn(ctx, username, agent);
      return { username, agent, cookie };
    }),
  );
  const drafts: Draft[] = [];
  for (const [o, op] of operators.entries()) {
    const { rows } = await ctx.pool.query<{ id: string; revision: number }>(
      `SELECT k.id, k.revision FROM consultations k JOIN users u ON u.id = k.operator_id
        WHERE u.username = $1 AND k.status = 'draft' ORDER BY md5(k.id::text) LIMIT $2`,
      [op.username, AUTOSAVE.draftsPerOperator],
    );
    for (const r of rows)
      drafts.push({ id: r.id, n: drafts.length, revision: r.revision, busy: false, operator: o });
  }
  // Interleave the operators, as a shift's consoles would.
  drafts.sort(
    (a, b) =>
      (a.n % AUTOSAVE.draftsPerOperator) - (b.n % AUTOSAVE.draftsPerOperator) || a.operator - b.operator,
  );

  log(
    `autosave: ${operators.length} operators, ${drafts.length} drafts, ${AUTOSAVE.ratePerSecond} saves/s for ${AUTOSAVE.seconds} s`,
  );
  const sampler = sampleLockWaits(ctx.databaseUrl);
  const live = await drive(drafts, AUTOSAVE.seconds, async (d, i) => {
    const op = operators[d.operator] as (typeof operators)[number];
    const res = await request(`${ctx.server.url}/api/consultations/${d.id}`, {
      method: 'PUT',
      agent: op.agent,
      headers: { 'content-type': 'application/json', cookie: op.cookie, origin: ctx.server.origin },
      body: JSON.stringify({
        baseRevision: d.revision,
        channel: 'call_back',
        data: draft(i),
        secret: { notes: notes(i) },
      }),
    });
    if (res.status === 200 || res.status === 201) {
      return { ok: true, revision: (JSON.parse(res.body) as { revision: number }).revision };
    }
    if (res.status === 409) {
      const current = (JSON.parse(res.body) as { current?: { revision?: number } }).current;
      return { ok: false, conflict: true, revision: current?.revision };
    }
    return { ok: false };
  });
  const locks = await sampler.stop();
  for (const op of operators) op.agent.destroy();

  log(
    `autosave baseline: bare INSERT … ON CONFLICT DO UPDATE of the same rows, ${operators.length} connections, ${AUTOSAVE.ratePerSecond}/s for ${AUTOSAVE.baselineSeconds} s`,
  );
  const pool = new pg.Pool({
    connectionString: ctx.databaseUrl,
    max: operators.length,
    application_name: 'korgon-bench-baseline',
  });
  pool.on('error', () => undefined);
  const { rows: opIds } = await ctx.pool.query<{ id: string; username: string }>(
    'SELECT id, username FROM users WHERE username = ANY($1::text[])',
    [usernames],
  );
  const idOf = new Map(opIds.map((r) => [r.username, r.id]));
  for (const d of drafts) d.busy = false;
  let base: Awaited<ReturnType<typeof drive>>;
  try {
    // Open the connections first, as the server's pool has them open.
    await Promise.all(Array.from({ length: operators.length }, () => pool.query('SELECT 1')));
    base = await drive(drafts, AUTOSAVE.baselineSeconds, async (d, i) => {
      // Sealed notes are about this size (nonce + tag + JSON of the secret).
      const sealed = randomBytes(48 + notes(i).length);
      const { rows } = await pool.query<{ revision: number }>(
        `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, notes_ciphertext, notes_key_version, revision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1)
         ON CONFLICT (id) DO UPDATE SET channel = EXCLUDED.channel, data = EXCLUDED.data,
                notes_ciphertext = EXCLUDED.notes_ciphertext, notes_key_version = EXCLUDED.notes_key_version,
                revision = consultations.revision + 1, updated_at = now()
         RETURNING revision`,
        [
          d.id,
          'call_back',
          idOf.get(usernames[d.operator] as string),
          'kg-2026.1',
          JSON.stringify(draft(i)),
          sealed,
          1,
        ],
      );
      return { ok: rows.length === 1, revision: rows[0]?.revision };
    });
  } finally {
    await pool.end();
  }

  // A knob for working on the bench: every save's send time and latency, live and baseline, as JSON.
  if (process.env.BENCH_AUTOSAVE_TRACE)
    writeFileSync(
      process.env.BENCH_AUTOSAVE_TRACE,
      JSON.stringify({ live: live.trace, baseline: base.trace }),
    );
  const lat = percentiles(live.latencies);
  const b = percentiles(base.latencies);
  const r = ratio(lat.p99_ms, b.p99_ms);
  return {
    name: 'autosave',
    consultations: filled.rows,
    fill_seconds: filled.seconds,
    fill_by: 'SQL INSERT … SELECT generate_series in chunks of 250,000',
    settle_seconds: filled.settleSeconds,
    settle_by: filled.checkpoint
      ? 'VACUUM (ANALYZE) consultations; CHECKPOINT'
      : 'VACUUM (ANALYZE) consultations',
    operators: operators.length,
    drafts: drafts.length,
    saves_per_s: AUTOSAVE.ratePerSecond,
    seconds: AUTOSAVE.seconds,
    saves: lat.count,
    p50_ms: lat.p50_ms,
    p95_ms: lat.p95_ms,
    p99_ms: lat.p99_ms,
    max_ms: lat.max_ms,
    errors: live.errors,
    conflicts: live.conflicts,
    skipped_all_busy: live.skipped,
    ...locks,
    baseline:
      'bare parameterised INSERT ... ON CONFLICT (id) DO UPDATE ... RETURNING revision of the same rows, same rate, one pg connection per operator',
    baseline_p50_ms: b.p50_ms,
    baseline_p95_ms: b.p95_ms,
    baseline_p99_ms: b.p99_ms,
    baseline_errors: base.errors,
    ratio: r,
    ratio_p50: ratio(lat.p50_ms, b.p50_ms),
    target: 'p99_ms <= 50, ratio <= 2',
    meets_target: lat.p99_ms <= 50 && r !== null && r <= 2,
  };
}
