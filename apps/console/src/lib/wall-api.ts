import { BoardFigures, type CreateWallDisplayBody, Me, WallDisplay, WallPairingCode } from '@korgon/domain';
import { z } from 'zod';
import { api } from './api';

/** The screen's own calls: pairing (no session yet) and its figures. */
export const wallApi = {
  /** A wrong or expired code is an ordinary answer (401) here, not a lost session. */
  pair: (code: string) =>
    api.post('/api/wall/pair', { body: { code }, parse: Me, expectUnauthenticated: true }),
  /** Given up after 20 s, so a hung connection is retried at the next minute instead of waiting for ever. */
  figures: () => api.get('/api/board/figures', { parse: BoardFigures, timeoutMs: 20_000 }),
};

/** The administrators' calls (Administration → Wall displays). */
export const wallDisplaysApi = {
  list: () => api.get('/api/admin/wall-displays', { parse: z.array(WallDisplay) }),
  create: (body: CreateWallDisplayBody) =>
    api.post('/api/admin/wall-displays', { body, parse: WallPairingCode }),
  newCode: (id: string) =>
    api.post('/api/admin/wall-displays/{id}/pairing', { params: { path: { id } }, parse: WallPairingCode }),
  revoke: (id: string) =>
    api.post('/api/admin/wall-displays/{id}/revoke', { params: { path: { id } }, parse: WallDisplay }),
};
