import { z } from 'zod';

/** The PBX contract (docs/telephony.md): what a PBX integrator posts to POST /api/telephony/events. */
export const CALL_EVENT_TYPES = [
  'call.offered',
  'call.answered',
  'call.ended',
  'call.abandoned',
  'call.transferred',
] as const;
export const CallEventType = z.enum(CALL_EVENT_TYPES);
export type CallEventType = z.infer<typeof CallEventType>;

/** E.164: a plus, then 7 to 15 digits, the first not zero. */
export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +996555123456');

export const TelephonyEvent = z
  .object({
    eventId: z.string().min(1).max(128).meta({ description: 'unique per event; a repeat is ignored' }),
    callId: z.string().min(1).max(128).meta({ description: "the PBX's id of the call" }),
    type: CallEventType,
    at: z.iso.datetime({
      offset: true,
      message: 'must be an ISO-8601 time with a zone, e.g. 2026-11-25T10:15:00Z',
    }),
    line: z
      .string()
      .min(1)
      .max(64)
      .meta({ description: 'the number or queue the call came in on, e.g. 5200' }),
    callerNumber: E164.optional().meta({
      description: 'hashed on arrival; never stored, logged or pushed in clear',
    }),
    extension: z
      .string()
      .min(1)
      .max(32)
      .optional()
      .meta({ description: 'the operator extension (answered, transferred)' }),
  })
  .strict()
  .meta({ id: 'TelephonyEvent' });
export type TelephonyEvent = z.infer<typeof TelephonyEvent>;

export const MAX_EVENTS_PER_POST = 500;
export const TelephonyBatch = z
  .array(TelephonyEvent)
  .min(1, 'send at least one event')
  .max(MAX_EVENTS_PER_POST, `send at most ${MAX_EVENTS_PER_POST} events at once`);

/** The documented body: one event, or an array of 1 to 500. */
export const TelephonyBody = z.union([TelephonyEvent, TelephonyBatch]).meta({ id: 'TelephonyBody' });

export const TelephonyResult = z
  .object({
    received: z.number().int().meta({ description: 'events in the request' }),
    stored: z.number().int().meta({ description: 'new events stored' }),
    duplicates: z.number().int().meta({ description: 'events already received before (ignored)' }),
  })
  .meta({ id: 'TelephonyResult' });
export type TelephonyResult = z.infer<typeof TelephonyResult>;

export const MAX_ACTIVE_CALLS = 10_000;
/**
 * POST /api/telephony/active-calls: the PBX's own list of the calls on the line (the bridge sends it on every
 * AMI connect). Every other call Korgon holds as waiting or answered is closed as lost.
 */
export const ActiveCallsBody = z
  .object({
    callIds: z
      .array(z.string().min(1).max(128))
      .max(MAX_ACTIVE_CALLS, `list at most ${MAX_ACTIVE_CALLS} call ids`)
      .meta({ description: "the PBX's ids of every call still on the line (callId of the events)" }),
    at: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 time with a zone, e.g. 2026-11-25T10:15:00Z' })
      .optional()
      .meta({
        description:
          'when the PBX was asked; calls first seen after it are kept (their events may have overtaken this list)',
      }),
  })
  .strict()
  .meta({ id: 'ActiveCallsBody' });
export type ActiveCallsBody = z.infer<typeof ActiveCallsBody>;

export const ActiveCallsResult = z
  .object({
    active: z.number().int().meta({ description: 'call ids in the list' }),
    closed: z.number().int().meta({ description: 'open calls Korgon closed as lost' }),
  })
  .meta({ id: 'ActiveCallsResult' });
export type ActiveCallsResult = z.infer<typeof ActiveCallsResult>;

/** Signature headers and the window a timestamp must fall in. */
export const SIGNATURE_HEADER = 'x-korgon-signature';
export const TIMESTAMP_HEADER = 'x-korgon-timestamp';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A call that ends unanswered within this many seconds of waiting is short-abandoned. */
export const SHORT_ABANDON_SECONDS = 5;
/** The window of the repeat-caller hint. */
export const REPEAT_CALLER_DAYS = 90;
