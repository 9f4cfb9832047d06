import type { Task } from 'graphile-worker';

/** Deletes sessions that ended or expired more than 30 days ago (the audit log keeps the history). */
export const sessionsPrune: Task = async (_payload, helpers) => {
  const { rowCount } = await helpers.query(
    `DELETE FROM sessions
      WHERE coalesce(ended_at, expires_at) < now() - interval '30 days'`,
  );
  await helpers.query(`DELETE FROM login_throttle
      WHERE window_started_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`);
  await helpers.query(`DELETE FROM rate_limits WHERE reset_at < now() - interval '1 hour'`);
  helpers.logger.info(`pruned ${rowCount ?? 0} old sessions`);
};
