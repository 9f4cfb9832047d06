import { describe, expect, it } from 'vitest';
import {
  AREAS,
  areasOf,
  can,
  homeAreaOf,
  PERMISSION_NAMES,
  PERMISSIONS,
  permissionsOf,
  ROLES,
} from './roles';

describe('the permission table', () => {
  it('gives every role a home area', () => {
    expect(Object.fromEntries(ROLES.map((r) => [r, homeAreaOf(r)]))).toEqual({
      operator: 'desk',
      supervisor: 'board',
      manager: 'statistics',
      admin: 'admin',
      partner: 'inbox',
      wall: 'wall',
    });
  });

  it('keeps partners out of everything inside the hotline', () => {
    expect(areasOf('partner')).toEqual(['inbox']);
    for (const p of [
      'desk:use',
      'queue:read',
      'consultation:write',
      'risk:assess',
      'statistics:read',
      'users:read',
    ] as const) {
      expect(can('partner', p)).toBe(false);
    }
  });

  it('lets only admins change users, and only supervisors sign off a lowered risk', () => {
    expect(ROLES.filter((r) => can(r, 'users:manage'))).toEqual(['admin']);
    expect(ROLES.filter((r) => can(r, 'risk:sign-off'))).toEqual(['supervisor']);
  });

  it('lists exactly the permissions the table grants', () => {
    for (const role of ROLES) {
      const granted = PERMISSION_NAMES.filter((p) => (PERMISSIONS[p] as readonly string[]).includes(role));
      expect(permissionsOf(role)).toEqual(granted);
    }
    for (const area of AREAS) expect(PERMISSION_NAMES).toContain(area.permission);
  });
});
