import { z } from 'zod';

/**
 * What the supervisor is alerted to (docs/board.md). Each alert is a row in PostgreSQL with a state: `open`
 * until a supervisor acknowledges it, `resolved` when its cause ends (a waiting call answered, an override
 * signed off). One alert per cause, ever: `cause_key` is `<kind>:<subject id>`.
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
