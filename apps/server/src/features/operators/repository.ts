import { dbOn, type Queryable, schema } from '@korgon/db';
import { and, eq, inArray } from 'drizzle-orm';

const { calls, consultations, operatorStates, users } = schema;

/** People who take calls: only they have a state of their own. */
const takesCalls = inArray(users.role, ['operator', 'supervisor']);

/** Operators' states beyond the queue package's own statements, on the transaction's connection. */
export function createOperatorsRepository(q: Queryable) {
  const db = dbOn(q);
  return {
    /** An active operator or supervisor by id; undefined for anyone else. */
    async activeOperator(id: string): Promise<Pick<typeof users.$inferSelect, 'displayName'> | undefined> {
      const [row] = await db
        .select({ displayName: users.displayName })
        .from(users)
        .where(and(eq(users.id, id), eq(users.active, true), takesCalls));
      return row;
    },

    /** Whether this user takes calls (active or not). */
    async takesCalls(id: string): Promise<boolean> {
      const rows = await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.id, id), takesCalls));
      return rows.length > 0;
    },

    /** Her live state, locked until the transaction ends; undefined when she never had one. */
    async lockState(
      userId: string,
    ): Promise<Pick<typeof operatorStates.$inferSelect, 'status' | 'callId' | 'breakOfferedAt'> | undefined> {
      const [row] = await db
        .select({
          status: operatorStates.status,
          callId: operatorStates.callId,
          breakOfferedAt: operatorStates.breakOfferedAt,
        })
        .from(operatorStates)
        .where(eq(operatorStates.userId, userId))
        .for('update');
      return row;
    },

    /** The call's state and its consultation's status (null while it has none). */
    async callWithConsultation(callId: string) {
      const [row] = await db
        .select({ state: calls.state, consultationStatus: consultations.status })
        .from(calls)
        .leftJoin(consultations, eq(consultations.callId, calls.id))
        .where(eq(calls.id, callId));
      return row;
    },
  };
}
