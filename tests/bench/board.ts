import http from 'node:http';
import {
  boardMetrics,
  boardWindows,
  computeFigures,
  DEFAULT_BOARD_SETTINGS,
  FIGURES_DEBOUNCE_MS,
  FIGURES_MAX_DELAY_MS,
  liveFigures,
  metricsOver,
} from '@korgon/board';
import { kyrgyzMobile } from '@korgon/dev/simulator/callers';
import { createRandom, type Random } from '@korgon/dev/simulator/random';
import type { BoardFigures, BoardMetrics, CallEventType, Clock, TelephonyEvent } from '@korgon/domain';
import type { BoardCounts, BoardEvent, BoardKind } from './board-clients';
import { BOARD_DATA, ensureBoardDays, todayWindow } from './board-data';
import { type BenchContext, type BenchResult, postSigned, signIn } from './lib/context';
import { sampleLockWaits } from './lib/lock-sampler';
import { forkScript, log } from './lib/services';
import { now, type Percentiles, percentiles, ratio, request, sleep } from './lib/util';

/**
 * The supervisor's board (issue 11), three benchmarks, each beside a bare baseline measured in the same run:
 * - board-update: from a PBX event's POST to the first `board:figures` push on 20 open boards that counts it,
 *   beside the `queue:change` of the same event on the same boards (the live-push path);
 * - board-recompute: one recomputation of the figures (computeFigures, in this process) with a full day in the
 *   database, beside a bare count of today's calls;
 * - board-metrics-month: `GET /api/board/metrics` over 30 days of calls, beside a bare authenticated GET.
 * The day of traffic they read is board-data.ts's.
 */
export const BOARD = {
  boards: Number(process.env.BENCH_BOARD_BOARDS ?? 20),
  ratePerSecond: Number(process.env.BENCH_BOARD_RATE ?? 50),
  seconds: Number(process.env.BENCH_BOARD_SECONDS ?? 30),
  warmupSeconds: 2,
  recomputes: Number(process.env.BENCH_BOARD_RECOMPUTES ?? 200),
  metricsDays: Number(process.env.BENCH_BOARD_METRICS_DAYS ?? 30),
  metricsRequests: Number(process.env.BENCH_BOARD_METRICS_REQUESTS ?? 200),
};

const DAY_MS = 86_400_000;
/** The loopback address the board benches sign in from (sign-in is limited per address). */
const SIGN_IN_ADDRESS = '127.0.0.40';

// ── sessions ─────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `n` supervisors of their own (`bench-sup-01` …, the demo password: their hash is the demo supervisor's),
 * each signed in once from the board benches' address: 20 boards are 20 supervisors' tabs.
 */
async function supervisorSessions(ctx: BenchContext, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `bench-sup-${String(i + 1).padStart(2, '0')}`);
  await ctx.pool.query(
    `INSERT INTO users (username, display_name, password_hash, role, locale)
     SELECT u, 'Bench ' || u, (SELECT password_hash FROM users WHERE username = 'supervisor'), 'supervisor', 'en'
       FROM unnest($1::text[]) AS u
     ON CONFLICT (lower(username)) DO NOTHING`,
    [names],
  );
  const agent = new http.Agent({ keepAlive: false, localAddress: SIGN_IN_ADDRESS });
  try {
    const cookies: string[] = [];
    for (const name of names) cookies.push(await signIn(ctx, name, agent));
    return cookies;
  } finally {
    agent.destroy();
  }
}

// ── board-update ─────────────────────────────────────────────────────────────────────────────────────────

interface Step {
  externalId: string;
  type: CallEventType;
  state: 'waiting' | 'answered' | 'ended' | 'abandoned';
  /** The board count it adds one to (an end adds to none: see boardUpdate). */
  kind: BoardKind | null;
  extension?: string;
  callerNumber?: string;
}

/** New calls and the state changes of calls on the line, as live-push sends them (its mix and its extensions). */
function callFlow(rng: Random, prefix: string) {
  let seq = 0;
  const active: { id: string; state: 'waiting' | 'answered'; busy: boolean }[] = [];
  const numbers = Array.from({ length: 300 }, () => kyrgyzMobile(rng));
  return {
    next(): { step: Step; done: () => void } {
      const ready = active.filter((c) => !c.busy);
      if (active.length < 8 || ready.length === 0 || rng.chance(0.34)) {
        const call = {
          id: `${prefix}-${String(++seq).padStart(5, '0')}`,
          state: 'waiting' as const,
          busy: true,
        };
        active.push(call);
        const step: Step = {
          externalId: call.id,
          type: 'call.offered',
          state: 'waiting',
          kind: 'offered',
          callerNumber: rng.pick(numbers),
        };
        return {
          step,
          done: () => {
            call.busy = false;
          },
        };
      }
      const call = rng.pick(ready);
      call.busy = true;
      const leave = () => active.splice(active.indexOf(call), 1);
      if (call.state === 'answered') {
        leave();
        return {
          step: { externalId: call.id, type: 'call.ended', state: 'ended', kind: null },
          done: () => undefined,
        };
      }
      if (rng.chance(0.15)) {
        leave();
        return {
          step: { externalId: call.id, type: 'call.abandoned', state: 'abandoned', kind: 'abandoned' },
          done: () => undefined,
        };
      }
      call.state = 'answered';
      const step: Step = {
        externalId: call.id,
        type: 'call.answered',
        state: 'answered',
        kind: 'answered',
        extension: rng.pick(['101', '102', '103', '104', '105']),
      };
      return {
        step,
        done: () => {
          call.busy = false;
        },
      };
    },
  };
}

interface Sent {
  step: Step;
  rank: number;
  sentAt: number;
  measured: boolean;
  ok: boolean;
}

/** Open loop: event i goes out at start + i/rate whether or not earlier answers came back. */
async function driveCalls(ctx: BenchContext) {
  const flow = callFlow(createRandom('board-update'), 'bench-bu');
  const total = (BOARD.seconds + BOARD.warmupSeconds) * BOARD.ratePerSecond;
  const warmup = BOARD.warmupSeconds * BOARD.ratePerSecond;
  const ranks: BoardCounts = { offered: 0, answered: 0, abandoned: 0 };
  const sent: Sent[] = [];
  const postLatencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const start = now() + 100;
  let measuredFrom = Number.POSITIVE_INFINITY;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / BOARD.ratePerSecond;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    const { step, done } = flow.next();
    const rank = step.kind ? ++ranks[step.kind] : 0;
    const event: TelephonyEvent = {
      eventId: `${step.externalId}:${step.type}`,
      callId: step.externalId,
      type: step.type,
      at: new Date().toISOString(),
      line: '5200',
      ...(step.callerNumber && { callerNumber: step.callerNumber }),
      ...(step.extension && { extension: step.extension }),
    };
    const record: Sent = { step, rank, sentAt: now(), measured: i >= warmup, ok: false };
    if (record.measured) measuredFrom = Math.min(measuredFrom, record.sentAt);
    sent.push(record);
    inFlight.push(
      postSigned(ctx, event).then(
        (res) => {
          record.ok = res.status < 300;
          postLatencies.push(now() - record.sentAt);
          done();
        },
        () => done(),
      ),
    );
  }
  await Promise.all(inFlight);
  return { sent, postLatencies, measuredFrom, measuredTo: now() };
}

async function figuresNow(ctx: BenchContext, cookie: string): Promise<BoardFigures> {
  const res = await request(`${ctx.server.url}/api/board/figures`, { headers: { cookie } });
  if (res.status !== 200) throw new Error(`GET /api/board/figures: ${res.status} ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body) as BoardFigures;
}

const countsOf = (f: BoardFigures): BoardCounts => ({
  offered: f.windows.today.offered,
  answered: f.windows.today.answered,
  abandoned: f.windows.today.abandoned,
});

/** Today's counts restart at Bishkek midnight: a run across it would lose its base. Wait for it to pass. */
async function awayFromMidnight(needMs: number) {
  const left = todayWindow().to.getTime() - Date.now();
  if (left < needMs) {
    log(`  board-update: Bishkek midnight in ${Math.round(left / 1000)} s; waiting for it to pass`);
    await sleep(left + 1000);
  }
}

/**
 * board-update: 50 signed PBX events a second for 30 s (2 s of warm-up not counted), 20 supervisors' boards
 * open (20 sessions, one socket each, in a child process: board-clients.ts), a full day of calls in the
 * database (board-data.ts).
 *
 * What "the push that reflects an event" is: the figures count today's calls offered, answered and abandoned,
 * and those counts only grow. The bench reads them once before it sends anything (the base, from GET
 * /api/board/figures) and numbers the events of each kind in the order it sends them (rank 1, 2, …). The n-th
 * `call.offered` is reflected by the first push whose `windows.today.offered` is at least base + n (the same
 * for answered and abandoned). Latency = its receipt on a board − the moment just before that event's POST,
 * per event and per board. The push is the first computed after the n-th event of the kind committed, unless
 * two events of one kind committed in the reverse order of their sending (same-kind events are ~50 ms apart and
 * a POST takes a few ms, so rarely; then the earlier one is credited one push early, never to a push computed
 * before it was sent). `call.ended` events are sent (a quarter of the load) but not measured: no figure counts
 * ended calls by itself (their end shows in AHT and in progress, which cannot be told apart per event).
 * `count_drift` checks the whole idea: the last push's counts − the base − the events sent, per kind, all 0.
 *
 * Baseline, same run, same boards, same events: the `queue:change` each measured event causes (the live-push
 * path), from just before its POST to its first receipt on each board. `ratio` = board p99 / queue:change
 * p99: what the recomputation, and the debounce that coalesces a burst of changes into one recomputation
 * (debounce_ms, max_delay_ms: a change waits at most that long before its recomputation begins), cost on top
 * of the push.
 */
export async function boardUpdate(ctx: BenchContext): Promise<BenchResult> {
  const data = await ensureBoardDays(ctx, 1);
  const cookies = await supervisorSessions(ctx, BOARD.boards);
  log(
    `board-update: ${BOARD.boards} boards, ${BOARD.ratePerSecond} events/s for ${BOARD.seconds} s, ${BOARD_DATA.callsPerDay} calls today`,
  );
  const clients = forkScript('tests/bench/board-clients.ts', [
    JSON.stringify({ url: ctx.server.url, origin: ctx.server.origin, cookies }),
  ]);
  try {
    const ready = await clients.next('ready', 60_000);
    if (ready.connected !== BOARD.boards) {
      throw new Error(`only ${String(ready.connected)} boards connected: ${JSON.stringify(ready.errors)}`);
    }
    // Opening a board brings its supervisor in (available): those changes and their pushes pass first.
    await sleep(1500);
    await awayFromMidnight((BOARD.seconds + BOARD.warmupSeconds + 15) * 1000);
    const base = countsOf(await figuresNow(ctx, cookies[0] as string));

    const sampler = sampleLockWaits(ctx.databaseUrl);
    const run = await driveCalls(ctx);
    const locks = await sampler.stop();
    await sleep(2000); // the last pushes

    const { rows } = await ctx.pool.query<{ id: string; external_id: string }>(
      "SELECT id, external_id FROM calls WHERE external_id LIKE 'bench-bu-%'",
    );
    const idOf = new Map(rows.map((r) => [r.external_id, r.id]));
    const events: BoardEvent[] = [];
    for (const s of run.sent) {
      const id = idOf.get(s.step.externalId);
      if (s.measured && s.step.kind && id)
        events.push({ key: `${id}|${s.step.state}`, kind: s.step.kind, rank: s.rank, sentAt: s.sentAt });
    }
    clients.send({ type: 'report', events, base, from: run.measuredFrom, to: run.measuredTo });
    const report = await clients.next('report', 60_000);
    clients.send({ type: 'close' });

    const board = report.board as Percentiles & { missing: number };
    const queue = report.queue as Percentiles & { missing: number };
    const last = report.last_counts as BoardCounts | null;
    const sentOk = (k: BoardKind) => run.sent.filter((s) => s.ok && s.step.kind === k).length;
    const drift = (k: BoardKind) => (last ? last[k] - base[k] - sentOk(k) : null);
    const post = percentiles(run.postLatencies);
    return {
      name: 'board-update',
      boards: BOARD.boards,
      events_per_s: BOARD.ratePerSecond,
      seconds: BOARD.seconds,
      calls_today_in_db: base.offered,
      day_added: data.added,
      events_sent: run.sent.length,
      events_measured: events.length,
      samples: board.count,
      p50_ms: board.p50_ms,
      p95_ms: board.p95_ms,
      p99_ms: board.p99_ms,
      max_ms: board.max_ms,
      mean_ms: board.mean_ms,
      missing: board.missing,
      count_drift: { offered: drift('offered'), answered: drift('answered'), abandoned: drift('abandoned') },
      pushes_per_board: report.pushes_per_board,
      compute_to_receipt_p50_ms: (report.at_to_receipt as Percentiles).p50_ms,
      compute_to_receipt_p99_ms: (report.at_to_receipt as Percentiles).p99_ms,
      debounce_ms: FIGURES_DEBOUNCE_MS,
      max_delay_ms: FIGURES_MAX_DELAY_MS,
      post_p50_ms: post.p50_ms,
      post_p99_ms: post.p99_ms,
      post_errors: run.sent.filter((s) => !s.ok).length,
      disconnects: report.disconnects,
      ...locks,
      baseline: 'queue:change of the same events on the same boards (the live-push path), same run',
      baseline_p50_ms: queue.p50_ms,
      baseline_p95_ms: queue.p95_ms,
      baseline_p99_ms: queue.p99_ms,
      baseline_missing: queue.missing,
      ratio: ratio(board.p99_ms, queue.p99_ms),
      ratio_p50: ratio(board.p50_ms, queue.p50_ms),
      target: 'a new call shows on the board within a second: p99_ms <= 1000',
      meets_target: board.p99_ms <= 1000 && board.missing === 0,
    };
  } finally {
    await clients.stop();
  }
}

// ── board-recompute ──────────────────────────────────────────────────────────────────────────────────────

const WINDOW_COUNT_SQL = 'SELECT count(*)::int AS n FROM calls WHERE offered_at >= $1 AND offered_at < $2';

async function timed<T>(samples: number[] | null, fn: () => Promise<T>): Promise<T> {
  const t0 = now();
  const out = await fn();
  samples?.push(now() - t0);
  return out;
}

/**
 * board-recompute: what one recomputation of the board's figures costs with a full day in the database
 * (10,000 calls today and the operator states log they leave: board-data.ts), the function the server runs
 * after every change (`computeFigures` of @korgon/board) called directly in this process on the bench
 * database's pool, 200 times one after another (10 warm-up rounds first). Its clock is 23:59:59 today
 * (Bishkek), so the whole day has happened: the hour is 23:00–24:00, the shift 20:00–08:00. Its two statements
 * are also timed alone (`metrics_*`: the hour, the shift and today; `live_*`: the live figures and attention
 * counts); computeFigures runs them side by side.
 *
 * Baseline, same run, interleaved round by round: a bare aggregate over the same rows,
 * `SELECT count(*) FROM calls WHERE offered_at >= <today 00:00> AND offered_at < <24:00>`. `ratio` = p99 /
 * bare p99.
 */
export async function boardRecompute(ctx: BenchContext): Promise<BenchResult> {
  const data = await ensureBoardDays(ctx, 1);
  const today = todayWindow();
  const clock: Clock = { now: () => new Date(today.to.getTime() - 1000) };
  const settings = DEFAULT_BOARD_SETTINGS;
  const w = boardWindows(clock.now(), settings.shifts);
  log(`board-recompute: computeFigures × ${BOARD.recomputes} with ${BOARD_DATA.callsPerDay} calls today`);

  const full: number[] = [];
  const bare: number[] = [];
  const metrics: number[] = [];
  const live: number[] = [];
  let figures: BoardFigures | undefined;
  let counted = 0;
  for (let i = -10; i < BOARD.recomputes; i++) {
    const keep = i >= 0;
    figures = await timed(keep ? full : null, () => computeFigures(ctx.pool, clock, settings));
    const { rows } = await timed(keep ? bare : null, () =>
      ctx.pool.query<{ n: number }>(WINDOW_COUNT_SQL, [today.from, today.to]),
    );
    counted = rows[0]?.n ?? 0;
    await timed(keep ? metrics : null, () =>
      metricsOver(ctx.pool, [w.hour, w.shift, w.today], settings.thresholdSeconds, { wrapUp: true }),
    );
    await timed(keep ? live : null, () => liveFigures(ctx.pool, clock.now(), w.shift.from));
  }
  const f = percentiles(full);
  const b = percentiles(bare);
  const m = percentiles(metrics);
  const l = percentiles(live);
  return {
    name: 'board-recompute',
    recomputes: BOARD.recomputes,
    calls_today_in_db: counted,
    day_added: data.added,
    day_fill_s: data.fill_s,
    today_offered: figures?.windows.today.offered,
    today_service_level: figures?.windows.today.serviceLevel,
    p50_ms: f.p50_ms,
    p95_ms: f.p95_ms,
    p99_ms: f.p99_ms,
    max_ms: f.max_ms,
    mean_ms: f.mean_ms,
    metrics_p50_ms: m.p50_ms,
    metrics_p99_ms: m.p99_ms,
    live_p50_ms: l.p50_ms,
    live_p99_ms: l.p99_ms,
    baseline: "SELECT count(*) FROM calls WHERE offered_at in today's window (same rows), same run",
    baseline_p50_ms: b.p50_ms,
    baseline_p95_ms: b.p95_ms,
    baseline_p99_ms: b.p99_ms,
    ratio: ratio(f.p99_ms, b.p99_ms),
    ratio_p50: ratio(f.p50_ms, b.p50_ms),
  };
}

// ── board-metrics-month ──────────────────────────────────────────────────────────────────────────────────

/**
 * board-metrics-month: `GET /api/board/metrics?from&to` over 30 whole Bishkek days (today and the 29 before),
 * with those 30 days of calls in the database (300,000: board-data.ts, VACUUM (ANALYZE) after the fill), 200
 * requests one after another (10 warm-up first) from one supervisor session over one keep-alive connection.
 * Also timed: the same metrics called directly in this process (`direct_*`, `boardMetrics` of @korgon/board,
 * 20 times), which tells the query from the HTTP around it, and interleaved with it a bare
 * `SELECT count(*)` of the same rows (`count_only_*`: reading them, without the figures' aggregates).
 *
 * Baseline, same run, interleaved request by request, same session and connection: `GET /api/auth/me`, a bare
 * authenticated route (session check, no query of its own). `ratio` = p99 / bare p99. Target (printed, not
 * asserted): p99 ≤ 200 ms.
 */
export async function boardMetricsMonth(ctx: BenchContext): Promise<BenchResult> {
  const data = await ensureBoardDays(ctx, BOARD.metricsDays);
  const today = todayWindow();
  const from = new Date(today.from.getTime() - (BOARD.metricsDays - 1) * DAY_MS);
  const to = today.to;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: SIGN_IN_ADDRESS });
  try {
    const cookie = await signIn(ctx, 'supervisor', agent);
    const metricsUrl = `${ctx.server.url}/api/board/metrics?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    const meUrl = `${ctx.server.url}/api/auth/me`;
    log(
      `board-metrics-month: GET /api/board/metrics over ${BOARD.metricsDays} days × ${BOARD.metricsRequests}, ${data.added} day(s) added in ${data.fill_s} s (+${data.settle_s} s VACUUM/CHECKPOINT)`,
    );
    const get = async (url: string, samples: number[] | null) => {
      const t0 = now();
      const res = await request(url, { agent, headers: { cookie } });
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body.slice(0, 200)}`);
      samples?.push(now() - t0);
      return res.body;
    };
    const lat: number[] = [];
    const bare: number[] = [];
    let answer: BoardMetrics | undefined;
    for (let i = -10; i < BOARD.metricsRequests; i++) {
      answer = JSON.parse(await get(metricsUrl, i >= 0 ? lat : null)) as BoardMetrics;
      await get(meUrl, i >= 0 ? bare : null);
    }
    const direct: number[] = [];
    const scan: number[] = [];
    for (let i = -3; i < 20; i++) {
      await timed(i >= 0 ? direct : null, () =>
        boardMetrics(ctx.pool, { from, to }, DEFAULT_BOARD_SETTINGS.thresholdSeconds),
      );
      await timed(i >= 0 ? scan : null, () => ctx.pool.query(WINDOW_COUNT_SQL, [from, to]));
    }
    const { rows } = await ctx.pool.query<{ n: number }>(WINDOW_COUNT_SQL, [from, to]);
    const p = percentiles(lat);
    const b = percentiles(bare);
    const d = percentiles(direct);
    const sc = percentiles(scan);
    return {
      name: 'board-metrics-month',
      days: BOARD.metricsDays,
      calls_in_window: rows[0]?.n ?? 0,
      days_added: data.added,
      fill_s: data.fill_s,
      settle_s: data.settle_s,
      requests: BOARD.metricsRequests,
      offered: answer?.offered,
      service_level: answer?.serviceLevel,
      p50_ms: p.p50_ms,
      p95_ms: p.p95_ms,
      p99_ms: p.p99_ms,
      max_ms: p.max_ms,
      mean_ms: p.mean_ms,
      direct_p50_ms: d.p50_ms,
      direct_p99_ms: d.p99_ms,
      count_only_p50_ms: sc.p50_ms,
      count_only_p99_ms: sc.p99_ms,
      baseline: 'GET /api/auth/me (bare authenticated route), same session and connection, same run',
      baseline_p50_ms: b.p50_ms,
      baseline_p95_ms: b.p95_ms,
      baseline_p99_ms: b.p99_ms,
      ratio: ratio(p.p99_ms, b.p99_ms),
      target_p99_ms: 200,
      met: p.p99_ms <= 200,
    };
  } finally {
    agent.destroy();
  }
}
