import type {
  ExportProgress,
  ExportRequest,
  ExportStatus,
  Locale,
  ServerToClientEvents,
} from '@korgon/domain';
import { useQuery } from '@tanstack/react-query';
import { queryClient } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';
import type { ConsoleSocket } from '../../lib/socket';
import { exportsApi } from './exports-api';

const NONE: ExportStatus[] = [];

const readExports = async () => (await exportsApi.list()).exports;

/** Reads the list again (and waits for it), so that a new export is on screen when its id is returned. */
async function reread(): Promise<void> {
  await queryClient.invalidateQueries({ queryKey: queryKeys.exports });
}

/**
 * The user's exports (docs/statistics.md "Exports"): the list from `GET /api/exports`, kept current by the
 * `export:progress` pushes (the requester's, and the monthly reports to the managers). A push moves the
 * progress bar at once; a finished export is read again for its file's name and size.
 */
export function useExports() {
  const q = useQuery({ queryKey: queryKeys.exports, queryFn: readExports });
  // A failed read again keeps the list on screen: only a list never read is a failure to show.
  const status = q.data ? 'ready' : q.error ? 'failed' : 'loading';
  return {
    status: status as 'ready' | 'failed' | 'loading',
    exports: q.data ?? NONE,
    load: q.refetch,
    start,
    monthly,
  };
}

/** Starts an export; its id, once the list shows it. Throws the ApiError. */
async function start(request: ExportRequest): Promise<string> {
  const { id } = await exportsApi.start(request);
  await reread();
  return id;
}

/** A manager's monthly report, made now. Throws the ApiError. */
async function monthly(month: string, locale: Locale): Promise<string> {
  const { id } = await exportsApi.monthly(month, locale);
  await reread();
  return id;
}

/** An `export:progress` push. */
export function exportProgressed(e: ExportProgress): void {
  const list = queryClient.getQueryData<ExportStatus[]>(queryKeys.exports);
  const known = list?.some((x) => x.id === e.id) ?? false;
  if (known)
    queryClient.setQueryData<ExportStatus[]>(queryKeys.exports, (l) =>
      l?.map((x) => (x.id === e.id ? { ...x, state: e.state, progress: e.progress, rows: e.rows } : x)),
    );
  // A new one (the monthly report the scheduler made), or one finished: its whole row is read again.
  if (!known || e.state === 'done' || e.state === 'failed') void reread();
}

/** Follows `export:progress` pushes, and reads the list again after a reconnect (pushes missed meanwhile). */
export function followExports(socket: ConsoleSocket): () => void {
  const progressed: ServerToClientEvents['export:progress'] = (e) => exportProgressed(e);
  const connected = () => void reread();
  socket.on('export:progress', progressed);
  socket.on('connect', connected);
  return () => {
    socket.off('export:progress', progressed);
    socket.off('connect', connected);
  };
}
