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
  'consultation.read',
  'consultation.history_read',
  'consultation.finalized',
  'consultation.addendum',
  'risk.override',
  'risk.sign_off',
  'methodology.uploaded',
  'methodology.activated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
