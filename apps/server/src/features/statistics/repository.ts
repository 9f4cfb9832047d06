import type { Queryable } from '@korgon/db';
import {
  followUpStatistics,
  loadReferenceData,
  queueStatistics,
  type RawTable,
  type ReferenceData,
  rawTable,
  referralStatistics,
  type TableRequest,
} from '@korgon/statistics';

/**
 * The statistics' reads: aggregation statements of @korgon/statistics (shared with the worker's exports), run
 * on the pool. Reference data (taxonomy and methodology versions) changes rarely and is small: read per request,
 * so a new version shows at once.
 */
export function createStatisticsRepository(pool: Queryable) {
  return {
    referenceData: (): Promise<ReferenceData> => loadReferenceData(pool),
    rawTable: (ref: ReferenceData, req: TableRequest): Promise<RawTable> => rawTable(pool, ref, req),
    queue: (o: Parameters<typeof queueStatistics>[1]) => queueStatistics(pool, o),
    referrals: (o: Parameters<typeof referralStatistics>[1]) => referralStatistics(pool, o),
    followUps: (o: Parameters<typeof followUpStatistics>[1]) => followUpStatistics(pool, o),
  };
}
export type StatisticsRepository = ReturnType<typeof createStatisticsRepository>;
