import type { PartnerReferral } from '@korgon/domain';
import { type QueryClient, useQuery } from '@tanstack/react-query';
import { referralsApi } from '../../features/referrals/referrals-api';
import { loadStatus, queryClient } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';

/** Something to say to a screen reader about what arrived: urgent news assertively, the rest politely. */
export interface InboxNews {
  seq: number;
  kind: 'new' | 'changed';
  id: string;
  urgency: 'urgent' | 'standard';
  status: PartnerReferral['status'];
  createdAt: string;
}

/**
 * The inbox as cached under queryKeys.inbox: the referrals, newest first, and what the pushes need to be merged
 * with a read that was on its way when they came (`seq` counts pushes; `pushedAt` is each referral's last one).
 */
export interface InboxData {
  items: PartnerReferral[];
  seq: number;
  pushedAt: Record<string, number>;
  news: InboxNews | null;
}

const EMPTY: InboxData = { items: [], seq: 0, pushedAt: {}, news: null };

const newestFirst = (a: PartnerReferral, b: PartnerReferral) => b.createdAt.localeCompare(a.createdAt);

/** Delivered or escalated but not yet acknowledged: for the partner, it is new. */
export const isUnacknowledged = (r: PartnerReferral) =>
  r.status === 'sent' || r.status === 'delivered' || r.status === 'escalated' || r.status === 'queued';

const same = (a: PartnerReferral, b: PartnerReferral) =>
  a.status === b.status && a.outcome === b.outcome && a.rejectionReason === b.rejectionReason;

/** A `partner:referral` push: the list as it is now, and whether it is news. */
export function pushedInto(data: InboxData | undefined, r: PartnerReferral): InboxData {
  const s = data ?? EMPTY;
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
}

/** The answer to this user's own action: not announced (they did it), but newer than a read on its way. */
export function actedInto(data: InboxData | undefined, r: PartnerReferral): InboxData | undefined {
  if (!data) return data;
  const seq = data.seq + 1;
  return {
    ...data,
    seq,
    pushedAt: { ...data.pushedAt, [r.id]: seq },
    items: data.items.map((x) => (x.id === r.id ? r : x)),
  };
}

/** A read's answer, keeping what was pushed after the read left (push number `since`): that is newer. */
export function loadedInto(data: InboxData | undefined, list: PartnerReferral[], since: number): InboxData {
  const s = data ?? EMPTY;
  const fresh = new Map(list.map((r) => [r.id, r]));
  for (const r of s.items) if ((s.pushedAt[r.id] ?? -1) > since) fresh.set(r.id, r);
  return { ...s, items: [...fresh.values()].sort(newestFirst) };
}

/** Reads the inbox and merges the answer with the pushes that came meanwhile. */
export async function readInbox(client: QueryClient): Promise<InboxData> {
  const since = client.getQueryData<InboxData>(queryKeys.inbox)?.seq ?? 0;
  const list = await referralsApi.inbox();
  return loadedInto(client.getQueryData<InboxData>(queryKeys.inbox), list, since);
}

/** The partner organisation's referrals, newest first, kept live by `partner:referral` (inbox-live.ts). */
export function useInbox() {
  const q = useQuery({ queryKey: queryKeys.inbox, queryFn: () => readInbox(queryClient) });
  const data = q.data ?? EMPTY;
  return { items: data.items, news: data.news, status: loadStatus(q), error: q.error, load: q.refetch };
}

/** How many pushes the inbox has had: only what arrives after the page opened is announced. */
export function inboxSeq(): number {
  return queryClient.getQueryData<InboxData>(queryKeys.inbox)?.seq ?? 0;
}

export function inboxPushed(r: PartnerReferral): void {
  queryClient.setQueryData<InboxData>(queryKeys.inbox, (d) => pushedInto(d, r));
}

export function inboxActed(r: PartnerReferral): void {
  queryClient.setQueryData<InboxData>(queryKeys.inbox, (d) => actedInto(d, r));
}

/** Reads the inbox again (a missed push after a reconnect, or a referral that moved on meanwhile). */
export function reloadInbox(): void {
  void queryClient.invalidateQueries({ queryKey: queryKeys.inbox });
}
