import { PERMISSIONS, type Permission } from '../auth/roles';
import type { BoardAlert } from '../board/alerts';
import type { BoardFigures } from '../board/figures';
import type { FollowUp } from '../follow-ups/schemas';
import type { Locale } from '../i18n/locales';
import type { QueueChange } from '../queue/schemas';
import type { PartnerReferral, Referral } from '../referrals/schemas';
import type { ExportProgress } from '../statistics/exports';

/** Server → console events. The live queue adds its events here. */
export interface ServerToClientEvents {
  /** The session this socket was opened with has ended (sign-out elsewhere, revoked by an admin). */
  'session:ended': (e: { reason: 'logout' | 'revoked' | 'expired' | 'deactivated' }) => void;
  /** The user's own preferences changed in another tab or device. */
  'me:updated': (e: { locale: Locale }) => void;
  /** A change to the live queue or to an operator's state (see docs/realtime.md). */
  'queue:change': (change: QueueChange) => void;
  /**
   * An operator asks to lower a risk level below the computed one (to supervisors): the request with its
   * reason, for the sign-off form of the board's `override_pending` alert.
   */
  'risk:sign-off-requested': (e: SignOffRequested) => void;
  /** A supervisor signed off (or refused) a lowered level (to the operator and the supervisors). */
  'risk:signed': (e: {
    consultationId: string;
    consultationReference: string;
    assessmentId: string;
    approved: boolean;
    finalLevel: string;
    by: string;
  }) => void;
  /** A referral changed state (to the referring operator and the supervisors). */
  'referral:changed': (r: Referral) => void;
  /** A referral for this partner organisation arrived or changed (to the partner's staff). */
  'partner:referral': (r: PartnerReferral) => void;
  /**
   * A follow-up reached its time (its job fired, or the reconciler found it overdue after downtime): to its
   * assignee (or, the shift's, to every operator) and to the supervisors.
   */
  'follow-up:raised': (f: FollowUp) => void;
  /** A follow-up was taken, started, done, missed or cancelled (to the same people). */
  'follow-up:changed': (f: FollowUp) => void;
  /**
   * One of the user's own consultations was created (a draft) or finalized, on any of her devices (to
   * `user:<id>`): her other consoles read "My work" again. Ids only.
   */
  'my-work:changed': (e: MyWorkChanged) => void;
  /**
   * An alert was raised, acknowledged or resolved (docs/board.md "Alerts"): to supervisors. The board reads
   * `GET /api/alerts` on arrival and at every reconnect, and merges these into it.
   */
  'alert:changed': (a: BoardAlert) => void;
  /** The board's figures, recomputed after a change (debounced): to supervisors and wall displays. */
  'board:figures': (f: BoardFigures) => void;
  /**
   * A shift hand-over note was written or marked read (to supervisors): their boards read
   * `GET /api/board/handover` again. Ids only: the note's text never travels in a push.
   */
  'board:handover': (e: { noteId: string; change: 'written' | 'read' }) => void;
  /**
   * A statistics export moved on (queued, running with its progress, done, failed): to its requester's
   * `user:<id>`; the monthly report to `role:manager`. Ids and counts only.
   */
  'export:progress': (e: ExportProgress) => void;
}

export interface MyWorkChanged {
  consultationId: string;
  change: 'created' | 'finalized';
}

/** An operator's request to lower a risk level, pushed to the supervisors who may sign it off. */
export interface SignOffRequested {
  consultationId: string;
  /** K-2026-000123 */
  consultationReference: string;
  /** The computed level the operator asks to lower. */
  level: string;
  operator: { id: string; displayName: string };
  at: string;
  assessmentId: string;
  requestedLevel: string;
  reason: string;
}

/** Console → server events. */
export interface ClientToServerEvents {
  /**
   * Liveness check; the server answers with its clock (timers are shown in server time) and the current
   * queue version, so a console that missed a change without seeing a gap still catches up.
   */
  ping: (ack: (e: { serverTime: string; queueVersion: number }) => void) => void;
}

/**
 * The permission each console → server event needs, as a route names one: the server's socket guard refuses an
 * event that is not named here, or whose permission the role lacks, with the ack `EventRefused` (docs/realtime.md).
 */
export const CLIENT_EVENT_PERMISSIONS = {
  ping: 'me:read',
} as const satisfies Record<keyof ClientToServerEvents, Permission>;

/**
 * Every server → console event, as a runtime list (docs/realtime.md lists each one; events.test.ts holds that).
 * The object below must name exactly the events of the map: a missing or unknown name fails to compile.
 */
export const serverEventNames: readonly (keyof ServerToClientEvents)[] = Object.keys({
  'session:ended': true,
  'me:updated': true,
  'queue:change': true,
  'risk:sign-off-requested': true,
  'risk:signed': true,
  'referral:changed': true,
  'partner:referral': true,
  'follow-up:raised': true,
  'follow-up:changed': true,
  'my-work:changed': true,
  'alert:changed': true,
  'board:figures': true,
  'board:handover': true,
  'export:progress': true,
} satisfies Record<keyof ServerToClientEvents, true>) as (keyof ServerToClientEvents)[];

/** Every console → server event: the keys of CLIENT_EVENT_PERMISSIONS, which must name each one. */
export const clientEventNames: readonly (keyof ClientToServerEvents)[] = Object.keys(
  CLIENT_EVENT_PERMISSIONS,
) as (keyof ClientToServerEvents)[];

/** What a refused event's ack receives (and nothing else). */
export interface EventRefused {
  error: 'forbidden' | 'unknown_event';
  message: string;
}

/** Socket.IO rooms: one per user and one per role, so the server can address both. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  role: (role: string) => `role:${role}`,
  session: (sessionId: string) => `session:${sessionId}`,
  partner: (partnerOrgId: string) => `partner:${partnerOrgId}`,
} as const;

/** The rooms live queue changes go to: the roles that may watch the queue (the permission table's queue:read). */
export const QUEUE_ROOMS: string[] = PERMISSIONS['queue:read'].map((r) => rooms.role(r));

/** Where a referral's staff view goes: the operator who made it and the supervisors. */
export const referralStaffRooms = (createdBy: string): string[] => [
  rooms.user(createdBy),
  rooms.role('supervisor'),
];
