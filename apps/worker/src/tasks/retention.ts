import { RETENTION_LOCK, readRetentionSettings } from '@korgon/db';
import type { Clock, RetentionCounts } from '@korgon/domain';
import type pg from 'pg';
import {
  beginScheduledRun,
  endRun,
  failInterruptedRuns,
  type MaintenanceRun,
  takeUpQueuedRun,
} from './maintenance-run';

const DAY_MS = 24 * 3_600_000;
/** Records changed per statement: each batch is its own short transaction, so nothing waits long on it. */
const BATCH = 500;

export interface RetentionOptions {
  clock: Clock;
  /** An admin's "Run now": the row the server made (status 'queued'); none: the daily schedule's run. */
  runId?: number | undefined;
  log?: (counts: RetentionCounts, msg: string) => void;
  /** Records per batch (tests make it small to see several batches). */
  batch?: number;
}

export interface RetentionResult {
  /** Null: nothing was run (busy). */
  runId: number | null;
  /**
   * done: it ran; skipped: a manual run that had succeeded already (a retried job); busy: another run held the
   * lock, so this one did nothing (a manual run stays queued and its job is retried).
   */
  outcome: 'done' | 'skipped' | 'busy';
  counts: Required<RetentionCounts>;
}

/** A risk override's free text (the operator's reason, the supervisor's note) removed from its jsonb. */
const OVERRIDE_SHREDDED = `(override - 'textSealed' - 'keyVersion' - 'reason' - 'signOffNote')
  || jsonb_build_object('textShreddedAt', $1::timestamptz)`;
const OVERRIDE_HAS_TEXT = `override IS NOT NULL AND override ?| array['textSealed', 'reason', 'signOffNote']`;

/**
 * Retention (docs/security.md "Retention"): shreds the free text past its period, in batches, inside
 * PostgreSQL. Only ciphertext columns are set to null and the *_shredded_at / content_removed_at markers set;
 * structured fields stay, and the statistics facts (whose triggers read status, data, channel and times only)
 * do not change. Idempotent (a shredded record no longer matches), and one run at a time across every worker
 * (a session advisory lock, tried, never waited for: a run that finds it taken does nothing, so the
 * maintenance queue is never held up behind it). Rows another
 * transaction holds locked (an addendum being written, a key rotation re-sealing them) are skipped, for the
 * next run. The run is recorded in `maintenance_runs` and audited once, with its counts.
 */
export async function runRetention(pool: pg.Pool, opts: RetentionOptions): Promise<RetentionResult> {
  const batch = opts.batch ?? BATCH;
  const client = await pool.connect();
  let run: MaintenanceRun | undefined;
  const counts = {
    consultations: 0,
    drafts: 0,
    addenda: 0,
    followUpReasons: 0,
    riskOverrides: 0,
    referrals: 0,
    consultationTextDays: 0,
    referralContentDays: 0,
  };
  let locked = false;
  try {
    const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
      ...RETENTION_LOCK,
    ]);
    locked = lock[0]?.ok === true;
    if (!locked) return { runId: null, outcome: 'busy', counts };
    await failInterruptedRuns(client, 'retention', opts.runId);
    if (opts.runId !== undefined) {
      const taken = await takeUpQueuedRun(client, 'retention', opts.runId);
      if ('succeeded' in taken)
        return {
          runId: opts.runId,
          outcome: 'skipped',
          counts: { ...counts, ...(taken.succeeded as RetentionCounts) },
        };
      run = taken.run;
    } else {
      run = await beginScheduledRun(client, 'retention');
    }

    const settings = await readRetentionSettings(client);
    counts.consultationTextDays = settings.consultationTextDays;
    counts.referralContentDays = settings.referralContentDays;
    const now = opts.clock.now();
    const textCutoff = new Date(now.getTime() - settings.consultationTextDays * DAY_MS);
    const referralCutoff = new Date(now.getTime() - settings.referralContentDays * DAY_MS);

    // Consultations past their period and not on hold: a final one counted from its finalization, a draft from
    // its last save (a draft abandoned that long is never finished). The same statement shreds their addenda,
    // follow-up reasons and override texts. A draft written again after it was shredded has text again and
    // matches again (notes_ciphertext set).
    for (;;) {
      const { rows } = await client.query<{
        picked: number;
        finals: number;
        drafts: number;
        addenda: number;
        follow_ups: number;
        overrides: number;
      }>(
        `WITH c AS (
           SELECT id, status FROM consultations
            WHERE NOT legal_hold
              AND (notes_shredded_at IS NULL OR notes_ciphertext IS NOT NULL)
              AND ((status = 'final' AND finalized_at < $2) OR (status = 'draft' AND updated_at < $2))
            ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED),
         k AS (
           UPDATE consultations SET notes_ciphertext = NULL, notes_key_version = NULL, notes_shredded_at = $1
             FROM c WHERE consultations.id = c.id RETURNING c.status),
         a AS (
           UPDATE consultation_addenda SET text_ciphertext = NULL, shredded_at = $1
            WHERE consultation_id IN (SELECT id FROM c) AND shredded_at IS NULL RETURNING 1),
         f AS (
           UPDATE follow_ups SET reason_sealed = NULL
            WHERE consultation_id IN (SELECT id FROM c) AND reason_sealed IS NOT NULL RETURNING 1),
         r AS (
           UPDATE risk_assessments SET override = ${OVERRIDE_SHREDDED}
            WHERE consultation_id IN (SELECT id FROM c) AND ${OVERRIDE_HAS_TEXT} RETURNING 1)
         SELECT (SELECT count(*) FROM c)::int AS picked,
                (SELECT count(*) FROM k WHERE status = 'final')::int AS finals,
                (SELECT count(*) FROM k WHERE status = 'draft')::int AS drafts,
                (SELECT count(*) FROM a)::int AS addenda,
                (SELECT count(*) FROM f)::int AS follow_ups,
                (SELECT count(*) FROM r)::int AS overrides`,
        [now, textCutoff, batch],
      );
      const r = rows[0];
      if (!r) break;
      counts.consultations += r.finals;
      counts.drafts += r.drafts;
      counts.addenda += r.addenda;
      counts.followUpReasons += r.follow_ups;
      counts.riskOverrides += r.overrides;
      if (r.picked < batch) break;
    }

    // Text added to a consultation after it was shredded (an addendum, a follow-up missed with a reason, an
    // override): shredded at the next run.
    const stray = `FROM consultations k WHERE k.id = t.consultation_id AND k.notes_shredded_at IS NOT NULL
                      AND k.notes_ciphertext IS NULL AND NOT k.legal_hold`;
    const { rows: late } = await client.query<{ addenda: number; follow_ups: number; overrides: number }>(
      `WITH a AS (
         UPDATE consultation_addenda t SET text_ciphertext = NULL, shredded_at = $1 ${stray}
            AND t.shredded_at IS NULL RETURNING 1),
       f AS (
         UPDATE follow_ups t SET reason_sealed = NULL ${stray} AND t.reason_sealed IS NOT NULL RETURNING 1),
       r AS (
         UPDATE risk_assessments t SET override = ${OVERRIDE_SHREDDED} ${stray} AND ${OVERRIDE_HAS_TEXT}
         RETURNING 1)
       SELECT (SELECT count(*) FROM a)::int AS addenda, (SELECT count(*) FROM f)::int AS follow_ups,
              (SELECT count(*) FROM r)::int AS overrides`,
      [now],
    );
    counts.addenda += late[0]?.addenda ?? 0;
    counts.followUpReasons += late[0]?.follow_ups ?? 0;
    counts.riskOverrides += late[0]?.overrides ?? 0;

    // Referrals that ended (done, rejected by the partner, or revoked) more than N days ago, counted from the
    // event that ended them: the content sent and every sealed text removed. A consultation on hold keeps its
    // referrals' content too.
    for (;;) {
      const { rows } = await client.query<{ picked: number; removed: number }>(
        `WITH r AS (
           SELECT r.id FROM referrals r JOIN consultations k ON k.id = r.consultation_id
            WHERE r.content_removed_at IS NULL AND r.status IN ('done', 'rejected', 'revoked') AND NOT k.legal_hold
              AND coalesce((SELECT max(e.at) FROM referral_events e WHERE e.referral_id = r.id AND e.status = r.status),
                           r.updated_at) < $2
            ORDER BY r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED),
         u AS (
           UPDATE referrals SET content = '{}'::jsonb, message_sealed = NULL, outcome_sealed = NULL,
                  rejection_reason_sealed = NULL, rejection_reason = NULL,
                  consent_exception_reason_sealed = NULL, consent_exception_reason = NULL, content_removed_at = $1
             FROM r WHERE referrals.id = r.id RETURNING 1)
         SELECT (SELECT count(*) FROM r)::int AS picked, (SELECT count(*) FROM u)::int AS removed`,
        [now, referralCutoff, batch],
      );
      const r = rows[0];
      if (!r) break;
      counts.referrals += r.removed;
      if (r.picked < batch) break;
    }

    await endRun(client, run, 'retention.run', counts);
    opts.log?.(counts, 'retention: free text past its period shredded');
    return { runId: run.id, outcome: 'done', counts };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (run) await endRun(client, run, 'retention.run', counts, err);
    throw err;
  } finally {
    if (locked)
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...RETENTION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** The job's processor: the daily schedule's run (no payload) or an admin's "Run now" (its run's id). */
export function retentionRun(
  pool: pg.Pool,
  clock: Clock,
  log: (counts: RetentionCounts, msg: string) => void,
) {
  return async (data: { runId?: number | undefined }) => {
    const result = await runRetention(pool, { clock, runId: data.runId, log });
    // The daily run found another one at work: that one does the same. A manual run is tried again (its row
    // stays queued; the reconciler adds its job again should the retries run out first).
    if (result.outcome === 'busy' && data.runId !== undefined)
      throw new Error('another retention run is in progress; this one is tried again');
  };
}
