import {
  FollowUpStatistics,
  QueueStatistics,
  ReferralStatistics,
  StatisticsDimension,
  StatisticsTable,
} from '@korgon/domain';
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { z } from 'zod';
import { api } from '../../lib/api';
import { queryKeys } from '../../lib/query-keys';

/** How the queue and referral series are grouped over the period. */
export type Grouping = 'day' | 'week' | 'month';
/** How the referral figures are broken down. */
export type ReferralGrouping = 'region' | 'partner_type' | 'organisation';

/** The statistics area's reads (docs/statistics.md): every figure has passed the server's disclosure control. */
export const statisticsApi = {
  dimensions: () => api.get('/api/statistics/dimensions', { parse: z.array(StatisticsDimension) }),
  table: (q: { from: string; to: string; rows: string; cols?: string }) =>
    api.get('/api/statistics/table', {
      params: { query: { from: q.from, to: q.to, rows: q.rows, ...(q.cols ? { cols: q.cols } : {}) } },
      parse: StatisticsTable,
    }),
  queue: (q: { from: string; to: string; by: Grouping }) =>
    api.get('/api/statistics/queue', { params: { query: q }, parse: QueueStatistics }),
  referrals: (q: { from: string; to: string; by: ReferralGrouping }) =>
    api.get('/api/statistics/referrals', { params: { query: q }, parse: ReferralStatistics }),
  followUps: (q: { from: string; to: string }) =>
    api.get('/api/statistics/follow-ups', { params: { query: q }, parse: FollowUpStatistics }),
};

export type Read<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; data: T }
  | { state: 'failed'; error: unknown };

/**
 * One read, cached under its `key` and made again on `retry`. The keys are shared by the whole statistics area,
 * so each names its figures and their period or dimensions. An answer that arrives after the key has changed
 * belongs to the old key, so a slow old read never replaces a newer one.
 */
export function useRead<T>(key: string | null, read: () => Promise<T>): { read: Read<T>; retry: () => void } {
  const q = useQuery({ queryKey: queryKeys.statistics(key ?? ''), queryFn: read, enabled: key !== null });
  const { refetch } = q;
  const retry = useCallback(() => void refetch(), [refetch]);
  const state: Read<T> =
    key === null
      ? { state: 'idle' }
      : q.status === 'success'
        ? { state: 'done', data: q.data }
        : q.status === 'error' && !q.isFetching
          ? { state: 'failed', error: q.error }
          : { state: 'loading' };
  return { read: state, retry };
}
