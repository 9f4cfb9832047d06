import {
  ErrorBody,
  FollowUpStatistics,
  QueueStatistics,
  QueueStatisticsQuery,
  ReferralStatistics,
  ReferralStatisticsQuery,
  StatisticsDimension,
  StatisticsPeriodQuery,
  StatisticsTable,
  StatisticsTableQuery,
} from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createStatisticsRepository } from './repository';
import { createStatisticsService, type StatisticsServiceOptions } from './service';

const tags = ['statistics'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/**
 * Anonymized statistics (docs/statistics.md): every figure has passed disclosure control before it is sent.
 * Managers, supervisors and admins (`statistics:read`).
 */
const statistics: FastifyPluginAsyncZod<StatisticsServiceOptions> = async (app, opts) => {
  const service = createStatisticsService(createStatisticsRepository(app.pool), opts);
  const config = { permission: 'statistics:read' as const };

  app.get(
    '/api/statistics/dimensions',
    {
      config,
      schema: {
        tags,
        summary:
          'The dimensions a table can have, with their names in ky/ru/en and whether they are multi-valued',
        response: { 200: z.array(StatisticsDimension), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => service.dimensions(),
  );

  app.get(
    '/api/statistics/table',
    {
      config,
      schema: {
        tags,
        summary:
          'Finalized consultations (not those whose caller refused statistical use) made on the days from..to (Asia/Bishkek), by one dimension or two crossed, under disclosure control: a count from 1 to k−1 is suppressed, with complementary suppression; a multi-valued dimension’s totals count records',
        querystring: StatisticsTableQuery,
        response: { 200: StatisticsTable, ...errors },
      },
    },
    async (req) => service.table(req.query),
  );

  app.get(
    '/api/statistics/queue',
    {
      config,
      schema: {
        tags,
        summary:
          'Queue figures per day, ISO week or month of the period: offered, answered, abandoned, short-abandoned, lost, service level, ASA and AHT (counts 1..k−1 suppressed; derived figures only over at least k calls)',
        querystring: QueueStatisticsQuery,
        response: { 200: QueueStatistics, ...errors },
      },
    },
    async (req) => service.queue(req.query),
  );

  app.get(
    '/api/statistics/referrals',
    {
      config,
      schema: {
        tags,
        summary:
          'Referral performance by partner type, organisation or the partner’s region: sent, time to acknowledgement (median, 90th percentile, only over at least k), accepted, rejected and done with their shares, escalations, failures',
        querystring: ReferralStatisticsQuery,
        response: { 200: ReferralStatistics, ...errors },
      },
    },
    async (req) => service.referrals(req.query),
  );

  app.get(
    '/api/statistics/follow-ups',
    {
      config,
      schema: {
        tags,
        summary:
          'Follow-ups due on the days of the period: how many, done on time, missed (counts 1..k−1 suppressed)',
        querystring: StatisticsPeriodQuery,
        response: { 200: FollowUpStatistics, ...errors },
      },
    },
    async (req) => service.followUps(req.query),
  );
};
export default statistics;
