import type { CreatePartnerBody, Partner, UpdatePartnerBody } from '@korgon/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { loadStatus, upsertInto } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';
import { partnersAdminApi } from './partners-api';

const NONE: Partner[] = [];

/** Every partner organisation, active or not, for the administrators. */
export function useAdminPartners() {
  const q = useQuery({ queryKey: queryKeys.adminPartners, queryFn: partnersAdminApi.list });
  return { partners: q.data ?? NONE, status: loadStatus(q), error: q.error, load: q.refetch };
}

/** A change of the organisations also changes what the referral form offers: that list is read again. */
function useSaved() {
  const client = useQueryClient();
  return (p: Partner) => {
    client.setQueryData(queryKeys.adminPartners, upsertInto(p));
    void client.invalidateQueries({ queryKey: queryKeys.partners });
  };
}

/** Throws the ApiError for the form to show. */
export function useCreatePartner(): (body: CreatePartnerBody) => Promise<Partner> {
  return useMutation({ mutationFn: partnersAdminApi.create, onSuccess: useSaved() }).mutateAsync;
}

/** Throws the ApiError for the form to show. */
export function useUpdatePartner(): (id: string, body: UpdatePartnerBody) => Promise<Partner> {
  const { mutateAsync } = useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdatePartnerBody }) => partnersAdminApi.update(id, body),
    onSuccess: useSaved(),
  });
  return useCallback((id, body) => mutateAsync({ id, body }), [mutateAsync]);
}

/** The secret is returned once and kept in no cache. */
export function useMakeSecret(): (id: string) => Promise<string> {
  const client = useQueryClient();
  const { mutateAsync } = useMutation({
    mutationFn: partnersAdminApi.makeSecret,
    onSuccess: (_r, id) =>
      client.setQueryData(queryKeys.adminPartners, (list: Partner[] | undefined) =>
        list?.map((p) => (p.id === id ? { ...p, hasWebhookSecret: true } : p)),
      ),
  });
  return useCallback(async (id) => (await mutateAsync(id)).secret, [mutateAsync]);
}
