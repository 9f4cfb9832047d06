import { z } from 'zod';

/**
 * The five roles of docs/domain.md §3, and `wall`: a read-only wall display in the call room (figures, no
 * personal data), paired to its screen by an admin (docs/board.md).
 */
export const ROLES = ['operator', 'supervisor', 'manager', 'admin', 'partner', 'wall'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Roles that work inside the hotline (everyone but partner organisations). */
export const STAFF_ROLES = ['operator', 'supervisor', 'manager', 'admin'] as const satisfies readonly Role[];

/**
 * Who may do what: the one table read by the server's guard and by the console to hide what a role cannot do.
 * Later issues add rows here; a route names one permission, never a role.
 */
export const PERMISSIONS = {
  'me:read': ROLES,
  'me:update': ROLES,
  'sessions:own': ROLES,
  'desk:use': ['operator', 'supervisor'],
  'queue:read': ['operator', 'supervisor'],
  'queue:claim': ['operator', 'supervisor'],
  /** Give a waiting call, or one answered at an unknown extension, to an operator. */
  'queue:assign': ['supervisor'],
  /** Set an operator's state (available, break, offline) from the board; audited. */
  'operators:manage': ['supervisor'],
  'consultation:write': ['operator', 'supervisor'],
  'consultation:read': ['operator', 'supervisor'],
  'consultation:read-any': ['supervisor'],
  'risk:assess': STAFF_ROLES,
  'board:use': ['supervisor'],
  /** The wall display's figures (no personal data). */
  'board:wall': ['wall'],
  /** The board's figures as numbers (GET /api/board/figures, the `board:figures` push): the board and the wall. */
  'board:figures': ['supervisor', 'wall'],
  /** Service figures over any window, and the board's charts (GET /api/board/metrics, /charts). */
  'board:metrics': ['supervisor', 'manager', 'admin'],
  'risk:sign-off': ['supervisor'],
  'statistics:read': ['manager', 'supervisor', 'admin'],
  'statistics:publish': ['manager'],
  'users:read': ['admin'],
  'users:manage': ['admin'],
  'sessions:any': ['admin'],
  'partners:manage': ['admin'],
  'partners:read': ['operator', 'supervisor', 'admin'],
  'referral:create': ['operator', 'supervisor'],
  'referral:manage': ['supervisor'],
  'taxonomy:manage': ['admin'],
  'methodology:manage': ['admin'],
  'audit:read': ['admin'],
  'jobs:manage': ['admin'],
  /** Retention of free text: its settings, its runs (and "Run now"), and legal holds; audited. */
  'retention:manage': ['admin'],
  /** The key status (versions, counts, never key material) and "Re-encrypt now" (docs/security.md "Key rotation"). */
  'keys:manage': ['admin'],
  'referrals:inbox': ['partner'],
  /** The follow-up worklists (own and the shift's): see, take, do, mark missed, cancel. */
  'follow-up:work': ['operator', 'supervisor'],
  /** Every operator's follow-ups, and acting on one assigned to someone else. */
  'follow-up:manage': ['supervisor'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSION_NAMES.filter((p) => can(role, p));
}

/**
 * The console's areas, each opened by one permission; the first one a role can use is its home (so a
 * supervisor, who may also take calls at the desk, lands on the board).
 */
export const AREAS = [
  { id: 'board', permission: 'board:use' },
  { id: 'wall', permission: 'board:wall' },
  { id: 'desk', permission: 'desk:use' },
  { id: 'admin', permission: 'users:manage' },
  { id: 'statistics', permission: 'statistics:read' },
  { id: 'inbox', permission: 'referrals:inbox' },
] as const satisfies readonly { id: string; permission: Permission }[];
export type AreaId = (typeof AREAS)[number]['id'];

export function areasOf(role: Role): AreaId[] {
  return AREAS.filter((a) => can(role, a.permission)).map((a) => a.id);
}

export function homeAreaOf(role: Role): AreaId {
  const first = areasOf(role)[0];
  if (!first) throw new Error(`role ${role} has no area`);
  return first;
}
