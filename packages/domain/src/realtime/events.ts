import type { Locale } from '../i18n/locales';

/** Server → console events. The live queue adds its events here. */
export interface ServerToClientEvents {
  /** The session this socket was opened with has ended (sign-out elsewhere, revoked by an admin). */
  'session:ended': (e: { reason: 'logout' | 'revoked' | 'expired' | 'deactivated' }) => void;
  /** The user's own preferences changed in another tab or device. */
  'me:updated': (e: { locale: Locale }) => void;
}

/** Console → server events. */
export interface ClientToServerEvents {
  /** Liveness check; the server answers with its clock, so the console can show timers in server time. */
  ping: (ack: (e: { serverTime: string }) => void) => void;
}

/** Socket.IO rooms: one per user and one per role, so the server can address both. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  role: (role: string) => `role:${role}`,
  session: (sessionId: string) => `session:${sessionId}`,
} as const;
