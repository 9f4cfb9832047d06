import type { PartnerReferral } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';
import { referralsApi } from '../referrals/referrals-api';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Something to say to a screen reader about what arrived: urgent news assertively, the rest politely. */
export interface InboxNews {
  seq: number;
  kind: 'new' | 'changed';
  id: string;
  urgency: 'urgent' | 'standard';
  status: PartnerReferral['status'];
  createdAt: string;
}

interface InboxState {
  items: PartnerReferral[];
  status: LoadStatus;
  error: unknown;
  /** Counts pushes; a load keeps what was pushed after it started. */
  seq: number;
  pushedAt: Record<string, number>;
  news: InboxNews | null;
  /** Bumped at every (re)connect: the inbox reads the list again in case a push was missed. */
  epoch: number;
  load(): Promise<void>;
  /** A `partner:referral` push. */
  pushed(r: PartnerReferral): void;
  /** The answer to this user's own action (not announced: they did it). */
  acted(r: PartnerReferral): void;
  reconnected(): void;
}

const newestFirst = (a: PartnerReferral, b: PartnerReferral) => b.createdAt.localeCompare(a.createdAt);

/** Delivered or escalated but not yet acknowledged: for the partner, it is new. */
export const isUnacknowledged = (r: PartnerReferral) =>
  r.status === 'sent' || r.status === 'delivered' || r.status === 'escalated' || r.status === 'queued';

const same = (a: PartnerReferral, b: PartnerReferral) =>
  a.status === b.status && a.outcome === b.outcome && a.rejectionReason === b.rejectionReason;

const initial = {
  items: [] as PartnerReferral[],
  status: 'idle' as LoadStatus,
  error: null as unknown,
  seq: 0,
  pushedAt: {} as Record<string, number>,
  news: null as InboxNews | null,
  epoch: 0,
};

/** The partner organisation's referrals, newest first, kept live by `partner:referral`. */
export const useInboxStore = create<InboxState>()((set, get) => ({
  ...initial,

  async load() {
    const generation = signedInGeneration();
    const since = get().seq;
    set((s) => ({ status: s.items.length ? s.status : 'loading', error: null }));
    try {
      const list = await referralsApi.inbox();
      if (generation !== signedInGeneration()) return;
      set((s) => {
        const fresh = new Map(list.map((r) => [r.id, r]));
        // What was pushed after this request left is newer than its answer.
        for (const r of s.items) if ((s.pushedAt[r.id] ?? -1) > since) fresh.set(r.id, r);
        return { items: [...fresh.values()].sort(newestFirst), status: 'ready' };
      });
    } catch (error) {
      if (generation === signedInGeneration()) set({ status: 'error', error });
    }
  },

  pushed(r) {
    set((s) => {
      const known = s.items.find((x) => x.id === r.id);
      const seq = s.seq + 1;
      const items = known ? s.items.map((x) => (x.id === r.id ? r : x)) : [r, ...s.items].sort(newestFirst);
      // "sent" and then "delivered" both mean "new" to the partner: only the first is news.
      const news: InboxNews | null = !known
        ? { seq, kind: 'new', id: r.id, urgency: r.urgency, status: r.status, createdAt: r.createdAt }
        : same(known, r) || (isUnacknowledged(known) && isUnacknowledged(r) && r.status !== 'escalated')
          ? s.news
          : { seq, kind: 'changed', id: r.id, urgency: r.urgency, status: r.status, createdAt: r.createdAt };
      return { items, seq, pushedAt: { ...s.pushedAt, [r.id]: seq }, news };
    });
  },

  acted(r) {
    set((s) => {
      const seq = s.seq + 1;
      return {
        seq,
        pushedAt: { ...s.pushedAt, [r.id]: seq },
        items: s.items.map((x) => (x.id === r.id ? r : x)),
      };
    });
  },

  reconnected: () => set((s) => ({ epoch: s.epoch + 1 })),
}));

onSignedOut(() => useInboxStore.setState(initial));
