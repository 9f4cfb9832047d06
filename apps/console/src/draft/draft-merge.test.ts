import { type Consultation, ConsultationData } from '@korgon/domain';
import { describe, expect, it } from 'vitest';
import { conflictPlan, openPlan, recordAfterSave, refreshPlan, startedHere } from './draft-merge';
import type { StoredDraft } from './draft-storage';
import type { Draft } from './fields';

const ID = '00000000-0000-4000-8000-000000000001';

const draft = (data: unknown, notes = ''): Draft => ({
  data: ConsultationData.parse(data),
  secret: { notes, codeWord: '', ifCallDrops: '' },
});

const server = (over: Partial<Consultation> = {}, d: Draft = draft({})): Consultation => ({
  id: ID,
  reference: 'K-2026-000001',
  callId: null,
  channel: 'call',
  previousId: null,
  followUpId: null,
  operator: { id: '00000000-0000-4000-8000-000000000002', displayName: 'Aigul' },
  status: 'draft',
  revision: 3,
  taxonomyVersion: 'kg-2026.1',
  data: d.data,
  secret: d.secret,
  risk: null,
  addenda: [],
  repeatContacts: 0,
  createdAt: '2026-12-01T08:00:00.000Z',
  updatedAt: '2026-12-01T08:05:00.000Z',
  finalizedAt: null,
  ...over,
});

const local = (over: Partial<StoredDraft> = {}, d: Draft = draft({})): StoredDraft => ({
  v: 1,
  id: ID,
  userId: 'u1',
  channel: 'call',
  callId: null,
  baseRevision: 3,
  taxonomyVersion: 'kg-2026.1',
  data: d.data,
  secret: d.secret,
  dirty: true,
  risk: null,
  keptAt: '2026-12-01T08:06:00.000Z',
  ...over,
});

describe('startedHere', () => {
  it('is a draft typed on this device that the server never confirmed', () => {
    expect(startedHere(local({ baseRevision: 0 }))).toBe(true);
    expect(startedHere(local({ baseRevision: 0, dirty: false }))).toBe(false);
    expect(startedHere(local({ baseRevision: 1 }))).toBe(false);
    expect(startedHere(local({ baseRevision: 0, callId: '00000000-0000-4000-8000-000000000003' }))).toBe(
      false,
    );
  });
});

describe('openPlan', () => {
  const typed = draft({ survivor: { region: 'KG-C' } }, 'said she is safe tonight');

  it("takes the server's record when this device has nothing it lacks", () => {
    expect(openPlan(null, server())).toEqual({ kind: 'server' });
    expect(openPlan(local({ dirty: false }, typed), server())).toEqual({ kind: 'server' });
    expect(openPlan(local({ baseRevision: 1 }, typed), server({}, typed))).toEqual({ kind: 'server' });
  });

  it('sends changes typed on the latest revision, and merges those typed on an older one', () => {
    const mine = local({ baseRevision: 3 }, typed);
    expect(openPlan(mine, server({ revision: 3 }))).toEqual({ kind: 'local', local: mine });
    const older = local({ baseRevision: 2 }, typed);
    expect(openPlan(older, server({ revision: 3 }))).toEqual({ kind: 'merge', local: older });
  });

  it('lists the unsaved fields a record finalized elsewhere could not take', () => {
    const plan = openPlan(local({}, typed), server({ status: 'final' }));
    expect(plan.kind).toBe('final');
    expect(plan.kind === 'final' && [...plan.lostOnFinal].sort()).toEqual([
      'secret.notes',
      'survivor.region',
    ]);
    expect(openPlan(local({ dirty: false }, typed), server({ status: 'final' }))).toEqual({
      kind: 'final',
      lostOnFinal: [],
    });
  });
});

describe('conflictPlan', () => {
  const sent = draft({ survivor: { region: 'KG-C' } });

  it('takes the revision when the server already says what was sent', () => {
    const current = server({ revision: 5 }, sent);
    expect(conflictPlan(current, { sent, draft: sent, channel: 'call', editedSince: false })).toEqual({
      kind: 'same',
      clean: true,
    });
    const later = draft({ survivor: { region: 'KG-C' } }, 'more');
    expect(conflictPlan(current, { sent, draft: later, channel: 'call', editedSince: true })).toEqual({
      kind: 'same',
      clean: false,
    });
  });

  it('asks for a merge when the versions differ, in the data or the channel', () => {
    const other = server({ revision: 5 }, draft({ survivor: { region: 'KG-Y' } }));
    expect(conflictPlan(other, { sent, draft: sent, channel: 'call', editedSince: false })).toEqual({
      kind: 'merge',
    });
    const sameData = server({ revision: 5 }, sent);
    expect(conflictPlan(sameData, { sent, draft: sent, channel: 'chat', editedSince: false })).toEqual({
      kind: 'merge',
    });
  });

  it('adopts a record finalized elsewhere, listing what the page held that it lacks', () => {
    const plan = conflictPlan(server({ status: 'final' }), {
      sent,
      draft: sent,
      channel: 'call',
      editedSince: false,
    });
    expect(plan).toEqual({ kind: 'final', lostOnFinal: ['survivor.region'] });
  });
});

describe('refreshPlan', () => {
  const here = { dirty: false, merging: false, saving: false, baseRevision: 3 };

  it('adopts a newer or equal record only when nothing here is unsaved, in flight or being merged', () => {
    expect(refreshPlan(server({ revision: 4 }), here)).toBe('adopt');
    expect(refreshPlan(server({ revision: 3 }), here)).toBe('adopt');
    expect(refreshPlan(server({ revision: 2 }), here)).toBe('risk-only');
    expect(refreshPlan(server({ revision: 4 }), { ...here, dirty: true })).toBe('risk-only');
    expect(refreshPlan(server({ revision: 4 }), { ...here, merging: true })).toBe('risk-only');
    expect(refreshPlan(server({ revision: 4 }), { ...here, saving: true })).toBe('risk-only');
  });

  it('takes a final record unless changes here are unsaved', () => {
    expect(refreshPlan(server({ status: 'final' }), here)).toBe('final');
    expect(refreshPlan(server({ status: 'final' }), { ...here, dirty: true })).toBe('risk-only');
  });
});

describe('recordAfterSave', () => {
  const sent = { channel: 'chat', draft: draft({ survivor: { region: 'KG-C' } }, 'n') };

  it('builds the record from what was sent when the answer is only the new revision', () => {
    const known = server({ revision: 3 });
    const r = recordAfterSave(
      { id: ID, status: 'draft', revision: 4, updatedAt: '2026-12-01T08:07:00.000Z' },
      known,
      sent,
    );
    expect(r).toEqual({
      ...known,
      channel: 'chat',
      data: sent.draft.data,
      secret: sent.draft.secret,
      revision: 4,
      updatedAt: '2026-12-01T08:07:00.000Z',
    });
  });

  it('takes a whole record as it came', () => {
    const full = server({ revision: 1, callId: '00000000-0000-4000-8000-000000000003' });
    expect(recordAfterSave(full, null, sent)).toBe(full);
    expect(recordAfterSave(full, server(), sent)).toBe(full);
  });
});
