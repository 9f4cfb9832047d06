import type { FollowUp } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut } from '../../lib/signed-in-state';

interface FollowUpsState {
  byId: Record<string, FollowUp>;
  /** Bumped at every (re)connect of the live socket: worklists read again, in case a push was missed. */
  epoch: number;
  upsert(f: FollowUp): void;
  upsertMany(fs: readonly FollowUp[]): void;
  reconnected(): void;
}

/** A push and an answer can cross: a closed follow-up never turns due again, a raised one never upcoming. */
function rank(f: FollowUp): number {
  return f.state !== 'due' ? 3 : f.startedConsultationId ? 2 : f.raisedAt ? 1 : 0;
}
const keep = (next: FollowUp, known: FollowUp | undefined) =>
  !known || rank(next) >= rank(known) || next.assignee?.id !== known.assignee?.id;

const initial = { byId: {} as Record<string, FollowUp>, epoch: 0 };

/** Every follow-up this console has seen, kept current by `follow-up:raised` and `follow-up:changed`. */
export const useFollowUpsStore = create<FollowUpsState>()((set) => ({
  ...initial,
  upsert: (f) => set((s) => (keep(f, s.byId[f.id]) ? { byId: { ...s.byId, [f.id]: f } } : s)),
  upsertMany: (fs) =>
    set((s) => {
      const byId = { ...s.byId };
      for (const f of fs) if (keep(f, byId[f.id])) byId[f.id] = f;
      return { byId };
    }),
  reconnected: () => set((s) => ({ epoch: s.epoch + 1 })),
}));

onSignedOut(() => useFollowUpsStore.setState(initial));

export type ShownPhase = 'upcoming' | 'due' | 'overdue' | 'closed';

/** Where it stands at `now` (the console's clock): the server's phase, moved on as time passes. */
export function phaseAt(f: FollowUp, now: number): ShownPhase {
  if (f.state !== 'due') return 'closed';
  if (!f.raisedAt && Date.parse(f.raiseAt) > now) return 'upcoming';
  return now >= Date.parse(f.overdueAt) ? 'overdue' : 'due';
}
