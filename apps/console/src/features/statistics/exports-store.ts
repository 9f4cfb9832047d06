import {
  ExportCreated,
  ExportList,
  type ExportProgress,
  type ExportRequest,
  type ExportStatus,
  type Locale,
  type ServerToClientEvents,
} from '@korgon/domain';
import { create } from 'zustand';
import { api } from '../../lib/api';
import { onSignedOut } from '../../lib/signed-in-state';
import type { ConsoleSocket } from '../../lib/socket';

/**
 * The user's exports (docs/statistics.md "Exports"): the list from `GET /api/exports`, kept current by the
 * `export:progress` pushes (the requester's, and the monthly reports to the managers). A push moves the
 * progress bar at once; a finished export is read again for its file's name and size.
 */
interface ExportsState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  exports: ExportStatus[];
  load(): Promise<void>;
  start(request: ExportRequest): Promise<string>;
  monthly(month: string, locale: Locale): Promise<string>;
  progressed(e: ExportProgress): void;
}

const initial = { status: 'idle' as const, exports: [] as ExportStatus[] };

export const exportsApi = {
  list: () => api.get('/api/exports', ExportList),
  start: (r: ExportRequest) => api.post('/api/exports', r, ExportCreated),
  monthly: (month: string, locale: Locale) =>
    api.post(
      `/api/exports/monthly?${new URLSearchParams({ month, locale }).toString()}`,
      undefined,
      ExportCreated,
    ),
};

export const exportFileUrl = (id: string) => `/api/exports/${encodeURIComponent(id)}/file`;

export const useExportsStore = create<ExportsState>()((set, get) => ({
  ...initial,
  async load() {
    if (get().status === 'idle') set({ status: 'loading' });
    try {
      const { exports } = await exportsApi.list();
      set({ status: 'ready', exports });
    } catch {
      if (get().status === 'loading') set({ status: 'failed' });
    }
  },
  async start(request) {
    const { id } = await exportsApi.start(request);
    await get().load();
    return id;
  },
  async monthly(month, locale) {
    const { id } = await exportsApi.monthly(month, locale);
    await get().load();
    return id;
  },
  progressed(e) {
    const known = get().exports.some((x) => x.id === e.id);
    if (known)
      set({
        exports: get().exports.map((x) =>
          x.id === e.id ? { ...x, state: e.state, progress: e.progress, rows: e.rows } : x,
        ),
      });
    // A new one (the monthly report the scheduler made), or one finished: its whole row is read again.
    if (!known || e.state === 'done' || e.state === 'failed') void get().load();
  },
}));

onSignedOut(() => useExportsStore.setState(initial));

/** Follows `export:progress` pushes, and reads the list again after a reconnect (pushes missed meanwhile). */
export function followExports(socket: ConsoleSocket): () => void {
  const progressed: ServerToClientEvents['export:progress'] = (e) => useExportsStore.getState().progressed(e);
  const connected = () => {
    if (useExportsStore.getState().status !== 'idle') void useExportsStore.getState().load();
  };
  socket.on('export:progress', progressed);
  socket.on('connect', connected);
  return () => {
    socket.off('export:progress', progressed);
    socket.off('connect', connected);
  };
}
