import type pg from 'pg';

/** Deletes sessions that ended or expired more than 30 days ago (the audit log keeps the history). */
export function sessionsPrune(pool: pg.Pool, log: (msg: string) => void) {
  return async (): Promise<void> => {
    const { rowCount } = await pool.query(
      `DELETE FROM sessions WHERE coalesce(ended_at, expires_at) < now() - interval '30 days'`,
    );
    await pool.query(`DELETE FROM login_throttle
        WHERE window_started_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`);
    log(`pruned ${rowCount ?? 0} old sessions`);
  };
}
