import type { SessionInfo } from '@korgon/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { loadStatus } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';
import { sessionsApi } from './sessions-api';

const NONE: SessionInfo[] = [];

/** The signed-in user's sessions on every device. */
export function useSessions() {
  const q = useQuery({ queryKey: queryKeys.sessions, queryFn: sessionsApi.list });
  return { sessions: q.data ?? NONE, status: loadStatus(q), error: q.error, load: q.refetch };
}

/** Ends one session; throws the ApiError for the page to show. */
export function useEndSession(): (id: string) => Promise<void> {
  const client = useQueryClient();
  const { mutateAsync } = useMutation({
    mutationFn: sessionsApi.end,
    onSuccess: (_r, id) =>
      client.setQueryData(queryKeys.sessions, (list: SessionInfo[] | undefined) =>
        list?.filter((s) => s.id !== id),
      ),
  });
  return async (id) => {
    await mutateAsync(id);
  };
}
