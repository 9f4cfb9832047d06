import { type DbOrTx, schema } from '@korgon/db';
import { ALERTS_RESOLVED_BY_ACKNOWLEDGEMENT } from '@korgon/domain';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';

const { alerts } = schema;

export type AlertRow = typeof alerts.$inferSelect;

export function createAlertsRepository(db: DbOrTx) {
  return {
    /**
     * Records the first acknowledgement (a later one changes nothing: undefined). An open alert becomes
     * acknowledged, or resolved when its kind ends with being seen (ALERTS_RESOLVED_BY_ACKNOWLEDGEMENT); an
     * alert already resolved keeps its state and gains who saw it.
     */
    async acknowledge(id: string, userId: string, at: Date): Promise<AlertRow | undefined> {
      const endsHere = sql`${alerts.state} = 'open' AND ${inArray(alerts.kind, [...ALERTS_RESOLVED_BY_ACKNOWLEDGEMENT])}`;
      const [row] = await db
        .update(alerts)
        .set({
          acknowledgedAt: at,
          acknowledgedBy: userId,
          state: sql`CASE WHEN ${endsHere} THEN 'resolved'::alert_state
                          WHEN ${alerts.state} = 'open' THEN 'acknowledged'::alert_state
                          ELSE ${alerts.state} END`,
          resolvedAt: sql`CASE WHEN ${endsHere} THEN ${at.toISOString()}::timestamptz ELSE ${alerts.resolvedAt} END`,
          updatedAt: at,
        })
        .where(and(eq(alerts.id, id), isNull(alerts.acknowledgedAt)))
        .returning();
      return row;
    },
  };
}
