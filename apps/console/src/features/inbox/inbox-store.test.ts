import type { PartnerReferral } from '@korgon/domain';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { referralsApi } from '../referrals/referrals-api';
import { useInboxStore } from './inbox-store';

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
  useInboxStore.setState({ items: [], seq: 0, pushedAt: {}, news: null, status: 'idle' });
});

describe('the partner inbox store', () => {
  it('lists newest first and says what is news: a new referral, a change, not "sent" becoming "delivered"', () => {
    const s = useInboxStore.getState();
    s.pushed(referral(A, '2026-11-25T10:00:00.000Z', 'sent'));
    expect(useInboxStore.getState().news).toMatchObject({ kind: 'new', id: A });
    const first = useInboxStore.getState().news;
    s.pushed(referral(A, '2026-11-25T10:00:00.000Z', 'delivered'));
    expect(useInboxStore.getState().news).toBe(first);
    s.pushed(referral(B, '2026-11-25T11:00:00.000Z'));
    expect(useInboxStore.getState().items.map((r) => r.id)).toEqual([B, A]);
    s.pushed(referral(A, '2026-11-25T10:00:00.000Z', 'accepted'));
    expect(useInboxStore.getState().news).toMatchObject({ kind: 'changed', id: A, status: 'accepted' });
  });

  it('keeps what was pushed while a load was on its way', async () => {
    let answer: (list: PartnerReferral[]) => void = () => undefined;
    vi.spyOn(referralsApi, 'inbox').mockReturnValue(
      new Promise((resolve) => {
        answer = resolve;
      }),
    );
    const loading = useInboxStore.getState().load();
    useInboxStore.getState().pushed(referral(A, '2026-11-25T10:00:00.000Z', 'acknowledged'));
    answer([referral(A, '2026-11-25T10:00:00.000Z', 'delivered'), referral(B, '2026-11-25T09:00:00.000Z')]);
    await loading;
    const { items, status } = useInboxStore.getState();
    expect(status).toBe('ready');
    expect(items.map((r) => [r.id, r.status])).toEqual([
      [A, 'acknowledged'],
      [B, 'delivered'],
    ]);
  });
});
