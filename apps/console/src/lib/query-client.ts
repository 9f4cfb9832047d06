import { notifyManager, QueryClient, type UseQueryResult } from '@tanstack/react-query';
import { onSignedOut } from './signed-in-state';

// React hears of an answer in a microtask rather than at the next timer (the library's default): timers may be
// held back (a throttled background tab, or the paused clock of a browser test), and a pushed change must show
// on screen at once all the same.
notifyManager.setScheduler(queueMicrotask);

/**
 * The console's one cache of server state. Failures are shown with a retry button instead of being retried
 * behind the user's back, and a list is read again when a page shows it, as the console always did.
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: false, refetchOnWindowFocus: false },
    mutations: { retry: false },
  },
});

// Nothing read while signed in outlives the session; answers still on their way land in no cache.
onSignedOut(() => queryClient.clear());

export type LoadStatus = 'loading' | 'error' | 'ready';

/** The three states the pages show: a list (possibly stale while it is read again), a failure, or a wait. */
export function loadStatus(q: Pick<UseQueryResult, 'status'>): LoadStatus {
  return q.status === 'success' ? 'ready' : q.status === 'error' ? 'error' : 'loading';
}

/** Puts one record into a cached list (replacing the one with its id), only if the list is cached. */
export function upsertInto<T extends { id: string }>(item: T) {
  return (list: T[] | undefined): T[] | undefined => {
    if (!list) return list;
    const at = list.findIndex((x) => x.id === item.id);
    return at === -1 ? [...list, item] : list.map((x, i) => (i === at ? item : x));
  };
}
