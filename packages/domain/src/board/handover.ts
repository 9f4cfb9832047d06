import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';
import { ALERT_STATES, AlertKind } from './alerts';

const iso = z.iso.datetime({ offset: true });

/** The longest hand-over note: a shift's story, not a report. */
export const HANDOVER_MAX_CHARS = 4000;

/** `POST /api/board/handover`: the outgoing supervisor's note (sealed at rest, like every note). */
export const HandoverBody = z
  .object({
    body: z
      .string()
      .trim()
      .min(1, 'Write the note: it cannot be empty.')
      .max(HANDOVER_MAX_CHARS, `A hand-over note has at most ${HANDOVER_MAX_CHARS} characters.`),
  })
  .strict()
  .meta({ id: 'HandoverBody' });
export type HandoverBody = z.infer<typeof HandoverBody>;

export const HandoverIdParams = z.object({ id: z.uuid('The note id must be a UUID.') });

export const HandoverNote = z
  .object({
    id: z.uuid(),
    author: z.object({ id: z.uuid(), displayName: z.string() }),
    /** The note's text; null when it cannot be unsealed (sealed with a key this server no longer has). */
    body: z.string().nullable(),
    createdAt: iso,
    readAt: iso.nullable(),
    readBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  })
  .meta({ id: 'HandoverNote' });
export type HandoverNote = z.infer<typeof HandoverNote>;

/** An alert not yet resolved, as the hand-over lists it (the board's own alert list has more). */
export const HandoverAlert = z
  .object({
    id: z.uuid(),
    kind: AlertKind,
    state: z.enum(ALERT_STATES),
    /** When its cause began (the call offered, the assessment saved, the wrap-up started…). */
    since: iso,
    /** What it is about, as a person reads it: a consultation (K-…) or referral (R-…) reference, or null. */
    reference: z.string().nullable(),
    /** The operator it concerns (wrap-up too long, who assessed), when there is one. */
    operator: z.string().nullable(),
  })
  .meta({ id: 'HandoverAlert' });
export type HandoverAlert = z.infer<typeof HandoverAlert>;

export const HandoverReferral = z
  .object({
    id: z.uuid(),
    /** R-2026-000045 */
    reference: z.string(),
    consultationId: z.uuid(),
    partner: LocalizedText,
    status: z.string(),
    /** When it is (or was) escalated if no one acknowledges it: the console counts down to it. */
    escalateAt: iso.nullable(),
  })
  .meta({ id: 'HandoverReferral' });
export type HandoverReferral = z.infer<typeof HandoverReferral>;

export const HandoverFollowUp = z
  .object({
    id: z.uuid(),
    consultationId: z.uuid(),
    /** The source consultation's reference (K-…). */
    reference: z.string().nullable(),
    /** Null: the shift's, nobody's in particular. */
    assignee: z.string().nullable(),
    overdueAt: iso,
  })
  .meta({ id: 'HandoverFollowUp' });
export type HandoverFollowUp = z.infer<typeof HandoverFollowUp>;

/** What is still open, computed when it is read: the incoming supervisor's first list. */
export const HandoverOpen = z
  .object({
    alerts: z.array(HandoverAlert),
    urgentReferrals: z.array(HandoverReferral),
    overdueFollowUps: z.array(HandoverFollowUp),
  })
  .meta({ id: 'HandoverOpen' });
export type HandoverOpen = z.infer<typeof HandoverOpen>;

/** `GET /api/board/handover`: the notes other supervisors left unread, newest first, and what is open now. */
export const HandoverList = z
  .object({
    serverTime: iso,
    notes: z.array(HandoverNote),
    open: HandoverOpen,
  })
  .meta({ id: 'HandoverList' });
export type HandoverList = z.infer<typeof HandoverList>;
