import { z } from 'zod';
import type { OperatorStatus } from '../queue/schemas';

const iso = z.iso.datetime({ offset: true });
const isoParam = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 time with a zone, e.g. 2026-11-25T08:00:00+06:00',
});

/**
 * `GET /api/board/metrics?from&to`: the queue's service figures over the calls **offered** in [from, to)
 * (docs/board.md has every definition).
 */
export const MetricsQuery = z
  .object({
    from: isoParam.meta({ description: 'start of the window (inclusive), ISO 8601 with offset' }),
    to: isoParam.meta({ description: 'end of the window (exclusive), ISO 8601 with offset' }),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), {
    message: '`from` must be before `to`.',
    path: ['to'],
  })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, {
    message: 'The window may be at most 400 days long.',
    path: ['to'],
  });

export const BoardMetrics = z
  .object({
    offered: z.number().int(),
    answered: z.number().int(),
    /** Ended before an answer, short-abandoned included. */
    abandoned: z.number().int(),
    /** Abandoned within SHORT_ABANDON_SECONDS (5 s) of being offered. */
    shortAbandoned: z.number().int(),
    /** Closed by Korgon: no end event seen (counted apart). */
    lost: z.number().int(),
    answeredWithinThreshold: z.number().int(),
    thresholdSeconds: z.number().int(),
    /** answeredWithinThreshold ÷ (answered + abandoned − shortAbandoned); null when the divisor is 0. */
    serviceLevel: z.number().min(0).max(1).nullable(),
    /** Mean seconds from offered to answered. */
    asaSeconds: z.number().nullable(),
    /** Mean talk seconds from answered to ended. */
    ahtSeconds: z.number().nullable(),
  })
  .meta({ id: 'BoardMetrics' });
export type BoardMetrics = z.infer<typeof BoardMetrics>;

export const BoardWindow = BoardMetrics.extend({
  from: iso,
  to: iso,
  /** Mean seconds of after-call work (wrap-up) that began in the window, shown apart from talk time. */
  wrapUpSeconds: z.number().nullable(),
}).meta({ id: 'BoardWindow' });
export type BoardWindow = z.infer<typeof BoardWindow>;

/**
 * What the board and the wall display show as numbers: no names, no references, nothing about a caller.
 * Pushed as `board:figures` to supervisors and wall displays after every change (debounced), and read with
 * `GET /api/board/figures`.
 */
export const BoardFigures = z
  .object({
    at: iso,
    windows: z.object({ hour: BoardWindow, shift: BoardWindow, today: BoardWindow }),
    live: z.object({
      waiting: z.number().int(),
      inProgress: z.number().int(),
      /** When the call waiting longest was offered (the console ticks the wait from it); null: nobody waits. */
      longestWaitSince: iso.nullable(),
      /** Operators (role operator only) by state. */
      operators: z.object({
        available: z.number().int(),
        on_call: z.number().int(),
        wrap_up: z.number().int(),
        break: z.number().int(),
        offline: z.number().int(),
      } satisfies Record<OperatorStatus, z.ZodNumber>),
      /** Supervisors with a console open, shown apart: they are not operators. */
      supervisorsOnline: z.number().int(),
    }),
    /** Counts of what needs a supervisor (the lists themselves are on the board, not on the wall). */
    attention: z.object({
      openAlerts: z.number().int(),
      highRiskOpen: z.number().int(),
      urgentReferralsAwaiting: z.number().int(),
      referralsFailedOrEscalated: z.number().int(),
      followUpsOverdue: z.number().int(),
    }),
  })
  .meta({ id: 'BoardFigures' });
export type BoardFigures = z.infer<typeof BoardFigures>;

/** One hour of today (Asia/Bishkek) on the board's charts. */
export const BoardChartHour = z.object({
  /** The Bishkek clock hour, 0 to 23. */
  hour: z.number().int().min(0).max(23),
  from: iso,
  /** Calls offered in this hour today; null for an hour that has not begun. */
  offered: z.number().int().nullable(),
  /** The mean of calls offered in the same hour on the same weekday over the last four weeks. */
  typicalOffered: z.number(),
  /** This hour's service level today (as in BoardMetrics); null when its divisor is 0 or the hour has not begun. */
  serviceLevel: z.number().min(0).max(1).nullable(),
});
export type BoardChartHour = z.infer<typeof BoardChartHour>;

/**
 * `GET /api/board/charts`: today's calls per hour against the same weekday over the last four weeks, the
 * service level per hour, and the operators online across the current shift (docs/board.md). Counts only.
 */
export const BoardCharts = z
  .object({
    at: iso,
    /** Today, Asia/Bishkek (YYYY-MM-DD). */
    date: z.iso.date(),
    /** The four earlier days `typicalOffered` is the mean of (YYYY-MM-DD, the same weekday). */
    comparedWith: z.array(z.iso.date()),
    thresholdSeconds: z.number().int(),
    /** 24 entries, hour 0 to 23. */
    hours: z.array(BoardChartHour),
    operatorsOnline: z.object({
      /** The current shift. */
      from: iso,
      to: iso,
      stepMinutes: z.number().int(),
      /**
       * From the start of the shift to now, one point every `stepMinutes`, and one at now: operators (role
       * operator) in any state but offline at that instant.
       */
      points: z.array(z.object({ at: iso, online: z.number().int() })),
    }),
  })
  .meta({ id: 'BoardCharts' });
export type BoardCharts = z.infer<typeof BoardCharts>;
