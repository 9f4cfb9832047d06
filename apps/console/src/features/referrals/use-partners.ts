import type { Partner } from '@korgon/domain';
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { queryKeys } from '../../lib/query-keys';
import { referralsApi } from './referrals-api';

/**
 * The active partner organisations, read once per sign-in (the cache is cleared at sign-out): they change only
 * when an administrator edits them, which reads them again (pages/admin/partners-query.ts).
 */
export function usePartners(enabled = true): { partners: Partner[] | null; error: unknown; retry(): void } {
  const q = useQuery({
    queryKey: queryKeys.partners,
    queryFn: referralsApi.partners,
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const { refetch } = q;
  const retry = useCallback(() => void refetch(), [refetch]);
  return { partners: q.data ?? null, error: q.error, retry };
}
