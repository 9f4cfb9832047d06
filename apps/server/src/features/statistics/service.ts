import {
  type FollowUpStatistics,
  type QueueStatistics,
  type QueueStatisticsQuery,
  type ReferralStatistics,
  type ReferralStatisticsQuery,
  STATISTICS_DIMENSION_KEYS,
  type StatisticsDimension,
  type StatisticsDimensionKey,
  type StatisticsPeriodQuery,
  type StatisticsTable,
  type StatisticsTableQuery,
} from '@korgon/domain';
import { isDimensionKey, publishTable, statisticsDimensions } from '@korgon/statistics';
import { AppError } from '../../errors';
import type { StatisticsRepository } from './repository';

export interface StatisticsServiceOptions {
  /** Disclosure control's k (STATISTICS_MIN_CELL, never below 3). */
  k: number;
  /** The queue's service level threshold (BOARD_SERVICE_LEVEL_SECONDS). */
  thresholdSeconds: number;
}

/** A 400 naming the field and what it may be (its path as the query's validation errors give it). */
function badField(field: string, message: string): AppError {
  return new AppError(400, 'invalid_request', message, {
    issues: [{ path: `querystring.${field}`, message }],
  });
}

function dimensionOf(field: 'rows' | 'cols', key: string): StatisticsDimensionKey {
  if (!isDimensionKey(key))
    throw badField(
      field,
      `unknown dimension \`${key}\` in \`${field}\`; known: ${STATISTICS_DIMENSION_KEYS.join(', ')}.`,
    );
  return key;
}

/**
 * Statistics for managers and supervisors (docs/statistics.md). Reading them is not a read of a consultation:
 * nothing here is audited (exports are, by the export feature).
 */
export function createStatisticsService(repo: StatisticsRepository, o: StatisticsServiceOptions) {
  return {
    dimensions: (): StatisticsDimension[] => statisticsDimensions(),

    async table(q: StatisticsTableQuery): Promise<StatisticsTable> {
      const rows = dimensionOf('rows', q.rows);
      const cols = q.cols === undefined ? undefined : dimensionOf('cols', q.cols);
      if (cols === rows)
        throw badField('cols', `\`cols\` is \`${cols}\` like \`rows\`: choose two different dimensions.`);
      const ref = await repo.referenceData();
      const raw = await repo.rawTable(ref, { from: q.from, to: q.to, rows, cols });
      return publishTable(raw, o.k);
    },

    queue: (q: QueueStatisticsQuery): Promise<QueueStatistics> =>
      repo.queue({ ...q, thresholdSeconds: o.thresholdSeconds, k: o.k }),

    referrals: (q: ReferralStatisticsQuery): Promise<ReferralStatistics> => repo.referrals({ ...q, k: o.k }),

    followUps: (q: StatisticsPeriodQuery): Promise<FollowUpStatistics> => repo.followUps({ ...q, k: o.k }),
  };
}
export type StatisticsService = ReturnType<typeof createStatisticsService>;
