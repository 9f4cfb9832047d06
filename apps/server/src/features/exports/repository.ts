import { type Db, type DbOrTx, schema } from '@korgon/db';
import type { ExportParams, ExportReport } from '@korgon/domain';
import { desc, eq, or } from 'drizzle-orm';

const { exports, users } = schema;

export type ExportRecord = typeof exports.$inferSelect & { requesterName: string | null };

const columns = {
  id: exports.id,
  report: exports.report,
  params: exports.params,
  format: exports.format,
  state: exports.state,
  progress: exports.progress,
  rows: exports.rows,
  fileName: exports.fileName,
  size: exports.size,
  error: exports.error,
  requestedBy: exports.requestedBy,
  createdAt: exports.createdAt,
  startedAt: exports.startedAt,
  finishedAt: exports.finishedAt,
  expiresAt: exports.expiresAt,
  requesterName: users.displayName,
};

/** The `exports` rows (packages/db schema.ts); the files themselves are the worker's (EXPORTS_DIR). */
export function createExportsRepository(db: Db) {
  return {
    async insert(
      tx: DbOrTx,
      e: { report: ExportReport; params: ExportParams; format: 'csv' | 'xlsx'; requestedBy: string },
    ): Promise<string> {
      const [row] = await tx.insert(exports).values(e).returning({ id: exports.id });
      if (!row) throw new Error('the export was not stored');
      return row.id;
    },

    async byId(id: string): Promise<ExportRecord | undefined> {
      const [row] = await db
        .select(columns)
        .from(exports)
        .leftJoin(users, eq(users.id, exports.requestedBy))
        .where(eq(exports.id, id));
      return row;
    },

    /** The user's own exports, and (for those who may publish) every monthly report, newest first. */
    async recent(userId: string, withMonthly: boolean, limit: number): Promise<ExportRecord[]> {
      const mine = eq(exports.requestedBy, userId);
      const monthly = eq(exports.report, 'monthly');
      return db
        .select(columns)
        .from(exports)
        .leftJoin(users, eq(users.id, exports.requestedBy))
        .where(withMonthly ? or(mine, monthly) : mine)
        .orderBy(desc(exports.createdAt))
        .limit(limit);
    },
  };
}
export type ExportsRepository = ReturnType<typeof createExportsRepository>;
