/** Audit actions written so far; later issues add theirs. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.session_revoked',
  'auth.password_changed',
  'user.created',
  'user.role_changed',
  'user.activated',
  'user.deactivated',
  'user.partner_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
