import { followUpRooms, followUpRows, followUpView, inTransaction, writeAudit } from '@korgon/db';
import type { Clock, JobData } from '@korgon/domain';
import type pg from 'pg';
import type { KorgonEmitter } from '../push';

/** Early by at most this much (timer jitter) still counts as on time. */
const EARLY_MS = 1000;

/**
 * A follow-up reached its time: marked raised (once, audited) and pushed as `follow-up:raised` to its assignee
 * (the shift's: every operator) and the supervisors. One that was done, missed, cancelled or raised already
 * is left alone; one whose time (by the clock) has not come is left to its job or the reconciler. `changed`
 * follows a raise (the board's figures).
 */
export function followUpRaise(
  pool: pg.Pool,
  emitter: KorgonEmitter,
  clock: Clock,
  changed: () => void = () => {},
) {
  return async ({ followUpId }: JobData<'follow-up.raise'>): Promise<void> => {
    const now = clock.now();
    const raised = await inTransaction(pool, async (c) => {
      const { rows } = await c.query<{ raise_at: Date }>(
        `UPDATE follow_ups SET raised_at = $2, updated_at = now()
          WHERE id = $1 AND state = 'due' AND raised_at IS NULL AND raise_at <= $3 RETURNING raise_at`,
        [followUpId, now, new Date(now.getTime() + EARLY_MS)],
      );
      const row = rows[0];
      if (!row) return false;
      await writeAudit(c, {
        action: 'follow_up.raised',
        actorRole: 'worker',
        targetType: 'follow_up',
        targetId: followUpId,
        details: { raiseAt: row.raise_at.toISOString(), raisedAt: now.toISOString() },
      });
      return true;
    });
    if (!raised) return;
    const [row] = await followUpRows(pool, [followUpId]);
    if (!row) return;
    const view = followUpView(row, clock.now());
    emitter.to(followUpRooms(view)).emit('follow-up:raised', view);
    changed();
  };
}
