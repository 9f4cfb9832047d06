import { z } from 'zod';

/**
 * `lost`: closed by Korgon, not by the PBX: no event for longer than its limit (CALL_LOST_*_MINUTES), or left
 * out of the PBX's list of active calls (POST /api/telephony/active-calls). Counted apart from ended and abandoned.
 */
export const CALL_STATES = ['waiting', 'answered', 'ended', 'abandoned', 'transferred', 'lost'] as const;
export const CallState = z.enum(CALL_STATES);
export type CallState = z.infer<typeof CallState>;
/** States in which a call is still on the line. */
export const ACTIVE_CALL_STATES: readonly CallState[] = ['waiting', 'answered'];

export const OPERATOR_STATUSES = ['available', 'on_call', 'wrap_up', 'break', 'offline'] as const;
export const OperatorStatus = z.enum(OPERATOR_STATUSES);
export type OperatorStatus = z.infer<typeof OperatorStatus>;
/** States in which an operator can be given a waiting call: at her console and not on another call. */
export const GIVABLE_OPERATOR_STATUSES: readonly OperatorStatus[] = ['available', 'wrap_up'];
/** What an operator may choose; on_call and wrap_up follow the calls. */
export const SettableOperatorStatus = z.enum(['available', 'break', 'offline']);

const iso = z.iso.datetime({ offset: true });

/** A call as every console sees it: no caller number, no hash; only how often this caller reached us. */
export const QueueCall = z
  .object({
    id: z.uuid(),
    line: z.string(),
    state: CallState,
    offeredAt: iso.nullable(),
    answeredAt: iso.nullable(),
    endedAt: iso.nullable(),
    shortAbandoned: z.boolean(),
    /** Contacts from the same (hashed) number in the last 90 days, before this one. */
    repeatContacts: z.number().int().min(0),
    takenBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
    takenAt: iso.nullable(),
    consultationId: z.uuid().nullable(),
    /** The consultation's state: a final one is recorded, and no longer anyone's "Your call". */
    consultationStatus: z.enum(['draft', 'final']).nullable(),
    /** Its reference (K-2026-000123), what a person reads instead of the id. */
    consultationReference: z.string().nullable(),
    /** The PBX extension that answered it. */
    extension: z.string().nullable(),
    /** Answered at an extension no active user holds: a supervisor assigns it to an operator. */
    unknownExtension: z.boolean(),
    /** The supervisor who gave this call to its operator (her desk says so); null when she took it herself. */
    assignedBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  })
  .meta({ id: 'QueueCall' });
export type QueueCall = z.infer<typeof QueueCall>;

export const OperatorView = z
  .object({
    id: z.uuid(),
    displayName: z.string(),
    role: z.string(),
    status: OperatorStatus,
    since: iso,
    callId: z.uuid().nullable(),
    /** When her wrap-up ends by itself; null during a wrap-up she holds ("I need more time"). */
    wrapUpEndsAt: iso.nullable(),
    /** A short break offered after a call assessed critical, not yet taken or declined (operator wellbeing). */
    breakOfferedAt: iso.nullable(),
    /** When the offered break she took ends (her desk then says so; her state does not change by itself). */
    breakEndsAt: iso.nullable(),
  })
  .meta({ id: 'OperatorView' });
export type OperatorView = z.infer<typeof OperatorView>;

export const QueueSnapshot = z
  .object({
    version: z.number().int(),
    serverTime: iso,
    calls: z.array(QueueCall),
    operators: z.array(OperatorView),
    /** How long the short break offered after a critical call lasts (BREAK_OFFER_MINUTES). */
    breakOfferMinutes: z.number().int().min(1),
  })
  .meta({ id: 'QueueSnapshot' });
export type QueueSnapshot = z.infer<typeof QueueSnapshot>;

/** One change to the live state; versions increase by one, so a console can tell it missed one. */
export type QueueChange =
  | { version: number; kind: 'call'; call: QueueCall }
  | { version: number; kind: 'operator'; operator: OperatorView };

export const ClaimBody = z
  .object({
    consultationId: z
      .uuid()
      .optional()
      .meta({ description: 'the id of the consultation draft, made by the console' }),
  })
  .meta({ id: 'ClaimBody' });
export const ClaimResult = z
  .object({ call: QueueCall, consultationId: z.uuid() })
  .meta({ id: 'ClaimResult' });
export const OpenConsultationResult = z
  .object({
    call: QueueCall,
    consultationId: z.uuid(),
    created: z.boolean().meta({ description: 'false when the call had its draft already (idempotent)' }),
  })
  .meta({ id: 'OpenConsultationResult' });
export const AssignCallBody = z
  .object({ operatorId: z.uuid('Choose the operator (a user id).') })
  .strict()
  .meta({ id: 'AssignCallBody' });

/** Outcomes of the calls offered since a time (the board's "today"), lost counted apart. */
export const CallOutcomes = z
  .object({
    since: iso,
    answered: z.number().int().meta({ description: 'answered, then ended' }),
    abandoned: z.number().int().meta({ description: 'ended before an answer, short-abandoned included' }),
    shortAbandoned: z.number().int(),
    transferred: z.number().int(),
    lost: z.number().int().meta({ description: 'closed by Korgon: no end event seen' }),
    open: z.number().int().meta({ description: 'still waiting or answered' }),
  })
  .meta({ id: 'CallOutcomes' });
export type CallOutcomes = z.infer<typeof CallOutcomes>;

export const CallIdParams = z.object({ id: z.uuid('The call id must be a UUID.') });

export const SetStatusBody = z.object({ status: SettableOperatorStatus }).meta({ id: 'SetStatusBody' });

export const OperatorIdParams = z.object({ id: z.uuid('The operator id must be a UUID.') });
