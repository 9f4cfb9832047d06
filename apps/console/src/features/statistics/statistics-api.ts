import {
  FollowUpStatistics,
  QueueStatistics,
  ReferralStatistics,
  StatisticsDimension,
  StatisticsTable,
} from '@korgon/domain';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { api } from '../../lib/api';

/** The statistics area's reads (docs/statistics.md): every figure has passed the server's disclosure control. */
export const statisticsApi = {
  dimensions: () => api.get('/api/statistics/dimensions', z.array(StatisticsDimension)),
  table: (q: { from: string; to: string; rows: string; cols?: string }) => {
    const p = new URLSearchParams({ from: q.from, to: q.to, rows: q.rows });
    if (q.cols) p.set('cols', q.cols);
    return api.get(`/api/statistics/table?${p.toString()}`, StatisticsTable);
  },
  queue: (q: { from: string; to: string; by: string }) =>
    api.get(`/api/statistics/queue?${new URLSearchParams(q).toString()}`, QueueStatistics),
  referrals: (q: { from: string; to: string; by: string }) =>
    api.get(`/api/statistics/referrals?${new URLSearchParams(q).toString()}`, ReferralStatistics),
  followUps: (q: { from: string; to: string }) =>
    api.get(`/api/statistics/follow-ups?${new URLSearchParams(q).toString()}`, FollowUpStatistics),
};

export type Read<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; data: T }
  | { state: 'failed'; error: unknown };

/**
 * One read, made again whenever `key` changes (the period or a dimension), and on `retry`. An answer that
 * arrives after the key has changed is dropped, so a slow old read never replaces a newer one.
 * (TanStack Query is not in the console yet: issue 14 brings it; this is the console's existing pattern.)
 */
export function useRead<T>(key: string | null, read: () => Promise<T>): { read: Read<T>; retry: () => void } {
  const [state, setState] = useState<Read<T>>({ state: 'idle' });
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key says what is read; `read` is remade each render
  useEffect(() => {
    void attempt;
    if (key === null) {
      setState({ state: 'idle' });
      return;
    }
    let live = true;
    setState({ state: 'loading' });
    read().then(
      (data) => live && setState({ state: 'done', data }),
      (error: unknown) => live && setState({ state: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, [key, attempt]);
  return { read: state, retry: () => setAttempt((n) => n + 1) };
}
