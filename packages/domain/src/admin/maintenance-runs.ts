import { z } from 'zod';

/**
 * A run of a maintenance job an admin watches (`maintenance_runs`): retention and re-encryption. The same
 * shape for both; only what its counts hold differs.
 */
export const MAINTENANCE_RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

export function maintenanceRunSchema<C extends z.ZodType>(id: string, counts: C) {
  return z
    .object({
      id: z.number().int(),
      trigger: z.enum(['schedule', 'manual']),
      startedBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
      startedAt: z.iso.datetime({ offset: true }),
      finishedAt: z.iso.datetime({ offset: true }).nullable(),
      status: z.enum(MAINTENANCE_RUN_STATUSES),
      counts,
      error: z.string().nullable(),
    })
    .meta({ id });
}
