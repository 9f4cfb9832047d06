import { BoardCharts, BoardFigures, BoardMetrics, ErrorBody, MetricsQuery } from '@korgon/domain';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type BoardService, type BoardServiceOptions, createBoardService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The board's figures. Every feature that changes what they count calls `app.board.kick()` after its
     * commit (queue changes, risk saves, referral and follow-up changes, alerts): they are pushed shortly.
     */
    board: BoardService;
  }
}

/** Creates the board's service once for the whole app (decorated at the root), stopped before the app closes. */
export function boardServiceFor(app: FastifyInstance, o: BoardServiceOptions): BoardService {
  const service = createBoardService(app.pool, app.io, app.log, o);
  app.addHook('preClose', () => service.stop());
  return service;
}

const tags = ['board'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/** The board's service figures, metrics over any window, and charts (docs/board.md, "Figures"). */
const board: FastifyPluginAsyncZod = async (app) => {
  const service = app.board;

  app.get(
    '/api/board/figures',
    {
      config: { permission: 'board:figures' },
      schema: {
        tags,
        summary:
          'The board’s figures now: the hour, the shift and today (offered, answered, abandoned, service level, ASA, AHT, wrap-up), calls waiting and in progress, operators by state, and counts of what needs a supervisor. Numbers only (the wall display reads it too); pushed as board:figures after every change',
        response: { 200: BoardFigures, ...guarded },
      },
    },
    async () => service.figures(),
  );

  app.get(
    '/api/board/metrics',
    {
      config: { permission: 'board:metrics' },
      schema: {
        tags,
        summary:
          'Service figures over the calls offered in [from, to): offered, answered, abandoned, short-abandoned, lost, answered within the threshold, service level (null when its divisor is 0), ASA and AHT in seconds',
        querystring: MetricsQuery,
        response: { 200: BoardMetrics, 400: ErrorBody, ...guarded },
      },
    },
    async (req) => service.metrics(new Date(req.query.from), new Date(req.query.to)),
  );

  app.get(
    '/api/board/charts',
    {
      config: { permission: 'board:metrics' },
      schema: {
        tags,
        summary:
          'The board’s charts: calls per hour today against the same weekday over the last four weeks, service level per hour today, operators online across the current shift (every 15 minutes)',
        response: { 200: BoardCharts, ...guarded },
      },
    },
    async () => service.charts(),
  );
};
export default board;
