import type { PartnerReferral } from '@korgon/domain';
import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { referralsApi } from '../../features/referrals/referrals-api';
import { queryKeys } from '../../lib/query-keys';
import { actedInto, type InboxData, pushedInto, readInbox } from './inbox-query';

const referral = (id: string, createdAt: string, status: PartnerReferral['status'] = 'delivered') =>
  ({
    id,
    reference: `R-2026-${id.slice(-6)}`,
    urgency: 'standard',
    status,
    createdAt,
    content: { region: 'KG-GB' },
    outcome: null,
    rejectionReason: null,
  }) satisfies PartnerReferral;

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the partner inbox cache', () => {
  it('lists newest first and says what is news: a new referral, a change, not "sent" becoming "delivered"', () => {
    let d: InboxData = pushedInto(undefined, referral(A, '2026-11-25T10:00:00.000Z', 'sent'));
    expect(d.news).toMatchObject({ kind: 'new', id: A });
    const first = d.news;
    d = pushedInto(d, referral(A, '2026-11-25T10:00:00.000Z', 'delivered'));
    expect(d.news).toBe(first);
    d = pushedInto(d, referral(B, '2026-11-25T11:00:00.000Z'));
    expect(d.items.map((r) => r.id)).toEqual([B, A]);
    d = pushedInto(d, referral(A, '2026-11-25T10:00:00.000Z', 'accepted'));
    expect(d.news).toMatchObject({ kind: 'changed', id: A, status: 'accepted' });
  });

  it('keeps what was pushed while a read was on its way', async () => {
    const client = new QueryClient();
    let answer: (list: PartnerReferral[]) => void = () => undefined;
    vi.spyOn(referralsApi, 'inbox').mockReturnValue(
      new Promise((resolve) => {
        answer = resolve;
      }),
    );
    const reading = client.fetchQuery({ queryKey: queryKeys.inbox, queryFn: () => readInbox(client) });
    client.setQueryData<InboxData>(queryKeys.inbox, (d) =>
      pushedInto(d, referral(A, '2026-11-25T10:00:00.000Z', 'acknowledged')),
    );
    answer([referral(A, '2026-11-25T10:00:00.000Z', 'delivered'), referral(B, '2026-11-25T09:00:00.000Z')]);
    await reading;
    const data = client.getQueryData<InboxData>(queryKeys.inbox);
    expect(data?.items.map((r) => [r.id, r.status])).toEqual([
      [A, 'acknowledged'],
      [B, 'delivered'],
    ]);
    client.clear();
  });

  it('takes the answer to the user own action without announcing it, and only into a cached inbox', () => {
    const d = pushedInto(undefined, referral(A, '2026-11-25T10:00:00.000Z', 'delivered'));
    const after = actedInto(d, referral(A, '2026-11-25T10:00:00.000Z', 'acknowledged'));
    expect(after?.items[0]?.status).toBe('acknowledged');
    expect(after?.news).toBe(d.news);
    expect(after?.pushedAt[A]).toBeGreaterThan(d.pushedAt[A] ?? 0);
    // After a sign-out the cache is empty: a late answer must not start a new inbox.
    expect(actedInto(undefined, referral(A, '2026-11-25T10:00:00.000Z'))).toBeUndefined();
  });
});
