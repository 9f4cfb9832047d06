import { z } from 'zod';

export const CALL_STATES = ['waiting', 'answered', 'ended', 'abandoned', 'transferred'] as const;
export const CallState = z.enum(CALL_STATES);
export type CallState = z.infer<typeof CallState>;
/** States in which a call is still on the line. */
export const ACTIVE_CALL_STATES: readonly CallState[] = ['waiting', 'answered'];

export const OPERATOR_STATUSES = ['available', 'on_call', 'wrap_up', 'break', 'offline'] as const;
export const OperatorStatus = z.enum(OPERATOR_STATUSES);
export type OperatorStatus = z.infer<typeof OperatorStatus>;
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
  })
  .meta({ id: 'OperatorView' });
export type OperatorView = z.infer<typeof OperatorView>;

export const QueueSnapshot = z
  .object({
    version: z.number().int(),
    serverTime: iso,
    calls: z.array(QueueCall),
    operators: z.array(OperatorView),
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
export const CallIdParams = z.object({ id: z.uuid('The call id must be a UUID.') });

export const SetStatusBody = z.object({ status: SettableOperatorStatus }).meta({ id: 'SetStatusBody' });
