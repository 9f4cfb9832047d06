import {
  BOARD_FIGURES_ROOMS,
  type BoardSettings,
  boardMetrics,
  computeCharts,
  computeFigures,
  createFiguresPush,
  FIGURES_PERIOD_MS,
} from '@korgon/board';
import type { BoardCharts, BoardFigures, BoardMetrics, Clock } from '@korgon/domain';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { KorgonIo } from '../../plugins/socket';

export interface BoardServiceOptions extends BoardSettings {
  clock: Clock;
  /** How often the figures are pushed without a change (the windows roll over); 0: never. */
  periodMs?: number;
}

/**
 * The board's service figures: computed from PostgreSQL on request, and pushed as `board:figures` to the
 * supervisors and wall displays after every change (`kick`, coalesced; packages/board figures-push.ts) and
 * every 30 s.
 */
export function createBoardService(
  pool: pg.Pool,
  io: KorgonIo,
  log: FastifyBaseLogger,
  o: BoardServiceOptions,
) {
  const settings: BoardSettings = { thresholdSeconds: o.thresholdSeconds, shifts: o.shifts };
  const figures = () => computeFigures(pool, o.clock, settings);
  const push = createFiguresPush({
    compute: figures,
    emit: (f) => io.to(BOARD_FIGURES_ROOMS).emit('board:figures', f),
    onError: (err) => log.warn({ err: { message: err.message } }, 'board figures not pushed'),
    periodMs: o.periodMs ?? FIGURES_PERIOD_MS,
  });
  return {
    settings,
    /** Something the board counts changed (after its commit): the figures are pushed shortly. */
    kick: push.kick,
    stop: push.stop,
    figures: (): Promise<BoardFigures> => figures(),
    metrics: (from: Date, to: Date): Promise<BoardMetrics> =>
      boardMetrics(pool, { from, to }, settings.thresholdSeconds),
    charts: (): Promise<BoardCharts> => computeCharts(pool, o.clock, settings),
  };
}
export type BoardService = ReturnType<typeof createBoardService>;
