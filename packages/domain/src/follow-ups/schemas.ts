import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';

const iso = z.iso.datetime({ offset: true });
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);

/**
 * A follow-up (docs/domain.md §10): a task tied to a consultation, due at a time, raised inside the caller's
 * safe window, assigned to an operator or to the shift (nobody: every operator and supervisor sees it).
 */
export const FOLLOW_UP_KINDS = ['callback', 'order_checkin', 'order_reassess', 'risk_action'] as const;
export const FollowUpKind = z.enum(FOLLOW_UP_KINDS);
export type FollowUpKind = z.infer<typeof FollowUpKind>;

export const FOLLOW_UP_STATES = ['due', 'done', 'missed', 'cancelled'] as const;
export const FollowUpState = z.enum(FOLLOW_UP_STATES);
export type FollowUpState = z.infer<typeof FollowUpState>;

/**
 * Where it stands now (computed with the server's clock): upcoming (not raised yet), due (raised, inside its
 * window), overdue (its window closed, still not done), or closed (done, missed, cancelled).
 */
export const FollowUpPhase = z.enum(['upcoming', 'due', 'overdue', 'closed']);
export type FollowUpPhase = z.infer<typeof FollowUpPhase>;

const Person = z.object({ id: z.uuid(), displayName: z.string() });

export const FollowUp = z
  .object({
    id: z.uuid(),
    consultationId: z.uuid(),
    /** The consultation's reference (K-2026-000123) once it has one; never its UUID to a person. */
    reference: z.string().nullable(),
    kind: FollowUpKind,
    /** What made it: 'callback', 'order_checkin', 'order_reassess', or the methodology action's id. */
    source: z.string(),
    state: FollowUpState,
    phase: FollowUpPhase,
    dueAt: iso,
    /** The due time moved into the safe window (when the job raises it). */
    raiseAt: iso,
    raisedAt: iso.nullable(),
    overdueAt: iso,
    window: z.object({ from: HHMM, to: HHMM }).nullable(),
    /** Null: the shift's (any operator may take it). */
    assignee: Person.nullable(),
    /** The final risk level of the consultation it came from. */
    riskLevel: z.string().nullable(),
    /** The consultation that did it (state done), or the draft opened to do it. */
    doneBy: z.uuid().nullable(),
    startedConsultationId: z.uuid().nullable(),
    /** Why it was missed or cancelled (sealed at rest). */
    reason: z.string().nullable(),
    closedAt: iso.nullable(),
    closedBy: Person.nullable(),
    createdAt: iso,
  })
  .meta({ id: 'FollowUp' });
export type FollowUp = z.infer<typeof FollowUp>;

export const FollowUpList = z
  .object({
    /** Raised and not closed (due and overdue first), then the ones closed in the last 24 hours. */
    items: z.array(FollowUp),
    /** Not yet raised, in this list's scope: how many. */
    upcoming: z.number().int(),
    /** The next of them (at most 100), soonest first: kind, due time, safe window, the consultation's reference. */
    upcomingItems: z.array(FollowUp),
    /** The server's time (its clock), which "due" and "overdue" were computed with. */
    at: iso,
  })
  .meta({ id: 'FollowUpList' });
export type FollowUpList = z.infer<typeof FollowUpList>;

export const FollowUpListQuery = z
  .object({
    /** mine: assigned to me; shift: the shift's (unassigned) and, for supervisors, every operator's. */
    scope: z.enum(['mine', 'shift']).default('mine'),
  })
  .strict();

export const FollowUpIdParams = z.object({ id: z.uuid('The follow-up id must be a UUID.') });

export const FollowUpReasonBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(3, 'Say why, in a few words (at least 3 characters).')
      .max(1000, 'The reason has at most 1,000 characters.'),
  })
  .strict();

export const AssignFollowUpBody = z
  .object({
    /** The operator (or supervisor) who takes it over; null hands it back to the shift. */
    assigneeId: z.uuid('The assignee id must be a UUID, or null to hand it back to the shift.').nullable(),
  })
  .strict();

export const StartFollowUpBody = z
  .object({
    /** Made by the console, so a retried start opens the same draft. */
    consultationId: z.uuid('The consultation id must be a UUID.'),
  })
  .strict();

export const StartedFollowUp = z
  .object({ consultationId: z.uuid(), followUp: FollowUp })
  .meta({ id: 'StartedFollowUp' });

/** One contact of the caller's anonymous case: summaries only, never free text, never identity. */
export const ChainEntry = z
  .object({
    id: z.uuid(),
    reference: z.string().nullable(),
    previousId: z.uuid().nullable(),
    /** The follow-up this contact did, when it was one. */
    followUpKind: FollowUpKind.nullable(),
    channel: z.string(),
    status: z.enum(['draft', 'final']),
    createdAt: iso,
    finalizedAt: iso.nullable(),
    riskLevel: z.string().nullable(),
    /** The one being viewed. */
    current: z.boolean(),
    referrals: z.array(
      z.object({
        id: z.uuid(),
        reference: z.string().nullable(),
        partner: LocalizedText,
        status: z.string(),
        createdAt: iso,
      }),
    ),
    followUps: z.array(z.object({ id: z.uuid(), kind: FollowUpKind, state: FollowUpState, dueAt: iso })),
  })
  .meta({ id: 'ChainEntry' });
export type ChainEntry = z.infer<typeof ChainEntry>;
