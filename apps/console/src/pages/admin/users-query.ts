import type { CreateUserBody, UpdateUserBody, UserSummary } from '@korgon/domain';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { loadStatus, upsertInto } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';
import { usersApi } from './users-api';

const NONE: UserSummary[] = [];

/** Every account, for the administrators (Wall displays' accounts included: the panels filter). */
export function useUsers() {
  const q = useQuery({ queryKey: queryKeys.users, queryFn: usersApi.list });
  return { users: q.data ?? NONE, status: loadStatus(q), error: q.error, load: q.refetch };
}

/** Throws the ApiError for the form to show. */
export function useCreateUser(): (body: CreateUserBody) => Promise<UserSummary> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: usersApi.create,
    onSuccess: (user) => client.setQueryData(queryKeys.users, upsertInto(user)),
  }).mutateAsync;
}

/** Throws the ApiError for the row or the editor to show. */
export function useUpdateUser(): (id: string, body: UpdateUserBody) => Promise<UserSummary> {
  const client = useQueryClient();
  const { mutateAsync } = useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserBody }) => usersApi.update(id, body),
    onSuccess: (user) => client.setQueryData(queryKeys.users, upsertInto(user)),
  });
  return useCallback((id, body) => mutateAsync({ id, body }), [mutateAsync]);
}

function patchUser(id: string, patch: Partial<UserSummary>) {
  return (list: UserSummary[] | undefined) => list?.map((u) => (u.id === id ? { ...u, ...patch } : u));
}

/** The one-time password is returned to show once, and kept in no cache. Throws the ApiError. */
export function useResetPassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: usersApi.resetPassword,
    onSuccess: (_r, id) => client.setQueryData(queryKeys.users, patchUser(id, { mustChangePassword: true })),
  }).mutateAsync;
}

/** Clears the user's second factor; throws the ApiError. */
export function useResetSecondFactor() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: usersApi.resetSecondFactor,
    onSuccess: (_r, id) =>
      client.setQueryData(queryKeys.users, patchUser(id, { secondFactorEnrolled: false })),
  }).mutateAsync;
}
