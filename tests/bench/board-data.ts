import { bishkekDate, dayWindow } from '@korgon/board';
import pg from 'pg';
import type { BenchContext } from './lib/context';
import { log } from './lib/services';
import { now } from './lib/util';

/**
 * A day of traffic for the board's benchmarks, written by SQL (`INSERT … SELECT generate_series`), one
 * statement per Asia/Bishkek day: `BENCH_BOARD_CALLS_PER_DAY` (10,000) calls spread over the whole day, ids
 * `bench-day-<YYYYMMDD>-<n>`, every one of them over (no call is left waiting or in progress, so the live
 * figures are the bench's own), with the operator states log their answers leave.
 *
 * The mix, close to the line's (docs/board.md has the definitions it is counted with):
 * - 4 % abandoned within 5 s (short-abandoned), 8 % abandoned after 5 s to a few minutes;
 * - 1.5 % answered and then lost (no end event: `lost`, no end time);
 * - the rest answered after 2 s plus an exponential wait of mean 14 s (about 70 % within 20 s), talk 1 min
 *   plus an exponential of mean 4 min (at most 20 min more), then ended;
 * - answered by the 50 bench operators in turn; each answer leaves the log rows a real one leaves: an
 *   `available` period before it, `on_call` until the end, and a `wrap_up` of 45 s plus an exponential of mean
 *   60 s after an end (about 2.5 log rows per call).
 *
 * Days are whole Bishkek days, today's too: today's calls run to 24:00 even when the bench runs at 10:00, so
 * "today" always holds a full day (they are all over, so only the counts see them; the live figures do not).
 * A day that has its calls already is left alone: the benchmarks share them, in any order.
 */
export const BOARD_DATA = {
  callsPerDay: Number(process.env.BENCH_BOARD_CALLS_PER_DAY ?? 10_000),
};

const DAY_MS = 86_400_000;

/** Today's Bishkek day [00:00, 24:00). */
export const todayWindow = () => dayWindow(new Date());

const FILL_SQL = `
  WITH g AS MATERIALIZED (
    SELECT n, $1::timestamptz + ((n - 1) + random()) * ($2::float8 / $3::int) * interval '1 second' AS offered_at,
           random() AS u, random() AS r1, random() AS r2, random() AS r3, random() AS r4
      FROM generate_series(1, $3::int) AS n
  ), k AS (
    SELECT g.*,
           CASE WHEN g.u < 0.12 THEN 'abandoned' WHEN g.u < 0.135 THEN 'lost' ELSE 'ended' END AS state,
           CASE WHEN g.u < 0.04 THEN make_interval(secs => 1 + 4 * g.r1)
                WHEN g.u < 0.12 THEN make_interval(secs => 5.001 - ln(1 - g.r1) * 60)
                ELSE make_interval(secs => 2 - ln(1 - g.r1) * 14) END AS wait,
           make_interval(secs => 60 + least(-ln(1 - g.r2) * 240, 1200)) AS talk
      FROM g
  ), ins AS (
    INSERT INTO calls (external_id, line, state, offered_at, answered_at, ended_at, short_abandoned, extension,
                       operator_id, lost_at, version)
    SELECT $4 || lpad(k.n::text, 5, '0'), '5200', k.state::call_state, k.offered_at,
           CASE WHEN k.state <> 'abandoned' THEN k.offered_at + k.wait END,
           CASE WHEN k.state = 'ended' THEN k.offered_at + k.wait + k.talk
                WHEN k.state = 'abandoned' THEN k.offered_at + k.wait END,
           k.state = 'abandoned' AND k.wait <= interval '5 seconds',
           CASE WHEN k.state <> 'abandoned' THEN (100 + k.n % 50)::text END,
           CASE WHEN k.state <> 'abandoned' THEN ($5::uuid[])[1 + k.n % cardinality($5::uuid[])] END,
           CASE WHEN k.state = 'lost' THEN k.offered_at + k.wait + interval '4 hours' END,
           3
      FROM k
    RETURNING id, operator_id, answered_at, ended_at
  )
  INSERT INTO operator_state_log (user_id, status, call_id, started_at, ended_at)
  SELECT ins.operator_id, p.status::operator_status, ins.id, p.f, p.t
    FROM ins CROSS JOIN LATERAL (VALUES
      ('available', ins.answered_at - make_interval(secs => 20 + random() * 240), ins.answered_at),
      ('on_call', ins.answered_at, coalesce(ins.ended_at, ins.answered_at + interval '5 minutes')),
      ('wrap_up', ins.ended_at, ins.ended_at + make_interval(secs => 45 - ln(1 - random()) * 60))
    ) AS p(status, f, t)
   WHERE ins.operator_id IS NOT NULL AND p.f IS NOT NULL`;

/**
 * Today as the server leaves it by evening, after the VACUUM that settled the fill: every call was written as
 * it went (offered, then answered, then ended or lost; or offered, then abandoned) and every log period was
 * opened, then closed. Each step is an update of indexed columns (no HOT update): today's calls carry two dead
 * versions each (one if abandoned) and a third index entry, the log one each, and their pages are not
 * all-visible, so the figures' index-only scans of today fetch from the heap, as they do in production, where
 * autovacuum reaches a table of a month's calls only every few days (its default thresholds are 20 % of the
 * table). The steps are replayed on the filled rows (state and end time taken back, then restored; an abandon
 * and a period's close as a 1 µs move of their end), leaving the figures as they were.
 */
const TODAY_AS_WRITTEN_SQL = [
  `CREATE TEMP TABLE bench_day_final ON COMMIT DROP AS
     SELECT id, state, ended_at, lost_at, answered_at FROM calls
      WHERE offered_at >= $1 AND offered_at < $2 AND external_id LIKE 'bench-day-%' AND state IN ('ended', 'lost')`,
  `UPDATE calls c SET state = 'answered', ended_at = NULL, lost_at = f.answered_at + interval '4 hours',
          updated_at = now()
     FROM bench_day_final f WHERE c.id = f.id`,
  `UPDATE calls c SET state = f.state, ended_at = f.ended_at, lost_at = f.lost_at, version = c.version + 1,
          updated_at = now()
     FROM bench_day_final f WHERE c.id = f.id`,
  `UPDATE calls SET ended_at = ended_at + interval '1 microsecond', updated_at = now()
    WHERE offered_at >= $1 AND offered_at < $2 AND external_id LIKE 'bench-day-%' AND state = 'abandoned'`,
  `UPDATE operator_state_log SET ended_at = ended_at + interval '1 microsecond'
    WHERE started_at >= $1 AND started_at < $2 AND ended_at IS NOT NULL`,
];

export interface BoardDays {
  /** Days written now (the others were there already). */
  added: number;
  /** Calls written now. */
  calls: number;
  fill_s: number;
  /** VACUUM (ANALYZE) of calls and operator_state_log and a CHECKPOINT after a fill, then today replayed. */
  settle_s: number;
}

/**
 * Makes sure the last `days` Bishkek days (today and the days before it) each hold their calls, then, if it
 * wrote any, settles the tables as the autosave benchmark does (a bulk load leaves hint bits unset, no
 * statistics, an unset visibility map and dirty pages whose checkpoint would land inside the measurement; the
 * earlier days of a table filled call by call over a month have none of that), and writes today over as the
 * server would have (TODAY_AS_WRITTEN_SQL).
 */
export async function ensureBoardDays(ctx: BenchContext, days: number): Promise<BoardDays> {
  const today = todayWindow().from.getTime();
  const { rows: ops } = await ctx.pool.query<{ id: string }>(
    'SELECT id FROM users WHERE username = ANY($1::text[]) ORDER BY username',
    [ctx.benchOperators],
  );
  const operatorIds = ops.map((o) => o.id);
  const client = new pg.Client({ connectionString: ctx.databaseUrl, application_name: 'korgon-bench-fill' });
  await client.connect();
  const t0 = now();
  let added = 0;
  try {
    for (let k = 0; k < days; k++) {
      const from = new Date(today - k * DAY_MS);
      const prefix = `bench-day-${bishkekDate(from).replaceAll('-', '')}-`;
      const { rowCount } = await client.query('SELECT 1 FROM calls WHERE external_id = $1', [
        `${prefix}00001`,
      ]);
      if (rowCount) continue;
      await client.query(FILL_SQL, [from, DAY_MS / 1000, BOARD_DATA.callsPerDay, prefix, operatorIds]);
      added++;
      if (added % 5 === 0 || k === days - 1)
        log(
          `  board data: ${added} day(s) of ${BOARD_DATA.callsPerDay} calls (${Math.round((now() - t0) / 1000)} s)`,
        );
    }
    const filledAt = now();
    if (added > 0) {
      await client.query('VACUUM (ANALYZE) calls, operator_state_log');
      await client.query('CHECKPOINT').catch((err: Error) => {
        log(
          `  board data: CHECKPOINT refused (${err.message}); a checkpoint may fall inside the measurement`,
        );
      });
      const day = todayWindow();
      await client.query('BEGIN');
      try {
        for (const sql of TODAY_AS_WRITTEN_SQL)
          await client.query(sql, sql.includes('$1') ? [day.from, day.to] : []);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    const round = (ms: number) => Math.round(ms / 100) / 10;
    return {
      added,
      calls: added * BOARD_DATA.callsPerDay,
      fill_s: round(filledAt - t0),
      settle_s: round(now() - filledAt),
    };
  } finally {
    await client.end();
  }
}
