import { CLOSED_REFERRAL_STATUSES, type Referral, redirectableFrom, statusesFrom } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut } from '../../lib/signed-in-state';

interface ReferralsState {
  byId: Record<string, Referral>;
  /** Bumped at every (re)connect of the live socket: views read their referrals again, in case one was missed. */
  epoch: number;
  upsert(r: Referral): void;
  upsertMany(rs: readonly Referral[]): void;
  reconnected(): void;
}

/** Whether `next` is at least as recent as `known` (a push and an answer can cross). */
function isNewer(next: Referral, known: Referral | undefined): boolean {
  if (!known) return true;
  const a = Date.parse(next.updatedAt);
  const b = Date.parse(known.updatedAt);
  if (a !== b) return a > b;
  return next.events.length >= known.events.length;
}

const initial = { byId: {} as Record<string, Referral>, epoch: 0 };

/** Every referral this console has seen, kept current by `referral:changed`. */
export const useReferralsStore = create<ReferralsState>()((set) => ({
  ...initial,
  upsert: (r) => set((s) => (isNewer(r, s.byId[r.id]) ? { byId: { ...s.byId, [r.id]: r } } : s)),
  upsertMany: (rs) =>
    set((s) => {
      const byId = { ...s.byId };
      for (const r of rs) if (isNewer(r, byId[r.id])) byId[r.id] = r;
      return { byId };
    }),
  reconnected: () => set((s) => ({ epoch: s.epoch + 1 })),
}));

onSignedOut(() => useReferralsStore.setState(initial));

/** Still needing someone's attention: not closed (done, rejected or revoked). */
export const CLOSED_STATUSES: readonly string[] = CLOSED_REFERRAL_STATUSES;
export const isOpenReferral = (r: Referral) => !CLOSED_STATUSES.includes(r.status);

/** Statuses from which the server lets staff revoke or redirect: the domain's lifecycle. */
export const REVOCABLE: readonly string[] = statusesFrom('revoked');
export const REDIRECTABLE: readonly string[] = redirectableFrom();
