import type {
  CreateUserBody,
  PasswordResetResult,
  SecondFactorResetResult,
  UpdateUserBody,
  UserSummary,
} from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';
import { usersApi } from './users-api';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface UsersState {
  users: UserSummary[];
  status: LoadStatus;
  error: unknown;
  load(): Promise<void>;
  /** Throws the ApiError for the form to show. */
  create(body: CreateUserBody): Promise<UserSummary>;
  /** Throws the ApiError for the row to show. */
  update(id: string, body: UpdateUserBody): Promise<UserSummary>;
  /** The one-time password is returned to show once, and kept in no store. Throws the ApiError. */
  resetPassword(id: string): Promise<PasswordResetResult>;
  /** Clears the user's second factor; throws the ApiError. */
  resetSecondFactor(id: string): Promise<SecondFactorResetResult>;
}

const initial = { users: [] as UserSummary[], status: 'idle' as LoadStatus, error: null as unknown };

function upsert(users: UserSummary[], user: UserSummary): UserSummary[] {
  const at = users.findIndex((u) => u.id === user.id);
  return at === -1 ? [...users, user] : users.map((u, i) => (i === at ? user : u));
}

export const useUsersStore = create<UsersState>()((set) => ({
  ...initial,

  async load() {
    const generation = signedInGeneration();
    set({ status: 'loading', error: null });
    try {
      const users = await usersApi.list();
      if (generation === signedInGeneration()) set({ users, status: 'ready' });
    } catch (error) {
      if (generation === signedInGeneration()) set({ status: 'error', error });
    }
  },

  async create(body) {
    const generation = signedInGeneration();
    const user = await usersApi.create(body);
    if (generation === signedInGeneration()) set((s) => ({ users: upsert(s.users, user) }));
    return user;
  },

  async update(id, body) {
    const generation = signedInGeneration();
    const user = await usersApi.update(id, body);
    if (generation === signedInGeneration()) set((s) => ({ users: upsert(s.users, user) }));
    return user;
  },

  async resetPassword(id) {
    const generation = signedInGeneration();
    const result = await usersApi.resetPassword(id);
    if (generation === signedInGeneration())
      set((s) => ({ users: s.users.map((u) => (u.id === id ? { ...u, mustChangePassword: true } : u)) }));
    return result;
  },

  async resetSecondFactor(id) {
    const generation = signedInGeneration();
    const result = await usersApi.resetSecondFactor(id);
    if (generation === signedInGeneration())
      set((s) => ({ users: s.users.map((u) => (u.id === id ? { ...u, secondFactorEnrolled: false } : u)) }));
    return result;
  },
}));

onSignedOut(() => useUsersStore.setState(initial));
