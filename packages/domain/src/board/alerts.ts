import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';
import { PartnerType } from '../partners/types';
import { ConsentExceptionKind, ReferralUrgency } from '../referrals/schemas';

/**
 * What the supervisor is alerted to (docs/board.md "Alerts"). Each alert is a row in PostgreSQL with a state:
 * `open` until a supervisor acknowledges it, `resolved` when its cause ends (a waiting call answered, an
 * override signed off). One alert per cause, ever: `cause_key` is `<kind>:<subject id>`.
 */
export const ALERT_KINDS = [
  /** A call waiting longer than ALERT_WAIT_SECONDS. */
  'long_wait',
  /** A risk assessment whose final level is critical. */
  'critical_risk',
  /** An operator asked to lower a level below the computed one; a supervisor must sign it off. */
  'override_pending',
  /** A referral sent without the caller's consent, under a legal exception. */
  'consent_exception',
  'referral_escalated',
  'referral_failed',
  /** An operator in wrap-up for longer than ALERT_WRAP_UP_SECONDS. */
  'wrap_up_long',
  'follow_up_overdue',
  /** A call answered at an extension no active user holds. */
  'unknown_extension',
] as const;
export const AlertKind = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKind>;

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export const AlertState = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof AlertState>;

/**
 * Kinds whose cause is a moment rather than a lasting state (a critical assessment was saved, a referral went
 * out under an exception): a person having seen it is the end of it, so acknowledging one resolves it.
 * (A critical alert also resolves by itself when a later assessment of the consultation is no longer critical.)
 */
export const ALERTS_RESOLVED_BY_ACKNOWLEDGEMENT: readonly AlertKind[] = [
  'critical_risk',
  'consent_exception',
];

/** How long acknowledged and resolved alerts stay listed by `GET /api/alerts` after they were handled. */
export const ALERTS_HANDLED_HOURS = 12;

const iso = z.iso.datetime({ offset: true });
const Person = z.object({ id: z.uuid(), displayName: z.string() });

/**
 * An alert as the board shows it (`GET /api/alerts`, the `alert:changed` push): its kind, state and times, and
 * what it is about, by ids, references, levels and names of staff and partners. Never a caller's number and
 * never free text (an override's reason is read from `GET /api/risk/sign-offs` by those who may sign it off).
 */
export const BoardAlert = z
  .object({
    id: z.uuid(),
    kind: AlertKind,
    state: AlertState,
    /** When the cause began: the call offered or answered, the assessment saved, the wrap-up begun, … */
    causeAt: iso,
    raisedAt: iso,
    acknowledgedAt: iso.nullable(),
    acknowledgedBy: Person.nullable(),
    resolvedAt: iso.nullable(),
    /** long_wait, unknown_extension: the call, and the extension that answered it. */
    call: z.object({ id: z.uuid(), extension: z.string().nullable() }).nullable(),
    /** The consultation it concerns, and the final level of its assessment (the alert's, or the latest). */
    consultation: z.object({ id: z.uuid(), reference: z.string(), level: z.string().nullable() }).nullable(),
    /**
     * override_pending: the assessment to sign off, the level asked for, and where the request stands now
     * (`signed` or `refused` once decided, with who decided).
     */
    override: z
      .object({
        assessmentId: z.uuid(),
        computedLevel: z.string(),
        requestedLevel: z.string(),
        status: z.enum(['pending_sign_off', 'signed', 'refused']),
        decidedBy: Person.nullable(),
      })
      .nullable(),
    /** consent_exception, referral_escalated, referral_failed. */
    referral: z
      .object({
        id: z.uuid(),
        /** R-2026-000045 */
        reference: z.string(),
        partner: z.object({ id: z.uuid(), name: LocalizedText, type: PartnerType }),
        urgency: ReferralUrgency,
        /** The legal exception it was sent under (never its reason, which is free text). */
        consentException: ConsentExceptionKind.nullable(),
      })
      .nullable(),
    /** follow_up_overdue. */
    followUpId: z.uuid().nullable(),
    /** The operator it concerns: in wrap-up, who assessed or referred, who holds the follow-up. */
    operator: Person.nullable(),
  })
  .meta({ id: 'BoardAlert' });
export type BoardAlert = z.infer<typeof BoardAlert>;

export const AlertList = z
  .object({
    /** The server's clock (the console shows "how long ago" in server time). */
    serverTime: iso,
    /**
     * Every alert not yet resolved, and those acknowledged or resolved in the last ALERTS_HANDLED_HOURS;
     * the newest first.
     */
    alerts: z.array(BoardAlert),
  })
  .meta({ id: 'AlertList' });
export type AlertList = z.infer<typeof AlertList>;

export const AlertIdParams = z.object({ id: z.uuid('The alert id must be a UUID.') });
