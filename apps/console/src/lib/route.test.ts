import { AREAS } from '@korgon/domain';
import { describe, expect, it } from 'vitest';
import { consultationHref, hrefOf, parseRoute, wallPairingOf } from './route';

describe('hash routes (ADR 0007)', () => {
  it('names every area, the sessions page and one consultation', () => {
    for (const { id } of AREAS) expect(parseRoute(hrefOf(id))).toEqual({ kind: 'area', area: id });
    expect(parseRoute('#/sessions')).toEqual({ kind: 'sessions' });
    const id = '0F8FAD5B-D9CB-469F-A165-70867728950E';
    expect(parseRoute(consultationHref(id))).toEqual({ kind: 'consultation', id: id.toLowerCase() });
  });

  it("keeps an area's own state after `?` and refuses what it does not know", () => {
    expect(parseRoute('#/statistics?from=2026-11-01&by=region')).toEqual({
      kind: 'area',
      area: 'statistics',
    });
    expect(parseRoute('#/consultations/not-a-uuid')).toEqual({ kind: 'unknown' });
    expect(parseRoute('#/nowhere')).toEqual({ kind: 'unknown' });
    expect(parseRoute('')).toEqual({ kind: 'unknown' });
  });

  it("reads a wall display's pairing link, whose code never leaves the fragment", () => {
    expect(wallPairingOf('#/wall/pair?code=ABCD-2345&lang=ru')).toEqual({ code: 'ABCD-2345', lang: 'ru' });
    expect(wallPairingOf('#/wall/pair')).toEqual({ code: '', lang: null });
    expect(wallPairingOf('#/wall')).toBeNull();
  });
});
