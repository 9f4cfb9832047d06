import {
  type CreateUserBody,
  type OperatorsPolicy,
  PasswordResetResult,
  SecondFactorPolicy,
  SecondFactorResetResult,
  type UpdateUserBody,
  UserSummary,
} from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

const UserList = z.array(UserSummary);

export const usersApi = {
  list: () => api.get('/api/admin/users', { parse: UserList }),
  create: (body: CreateUserBody) => api.post('/api/admin/users', { body, parse: UserSummary }),
  update: (id: string, body: UpdateUserBody) =>
    api.patch('/api/admin/users/{id}', { params: { path: { id } }, body, parse: UserSummary }),
  /** A one-time password, in this answer only; the user's sessions end. */
  resetPassword: (id: string) =>
    api.post('/api/admin/users/{id}/password-reset', {
      params: { path: { id } },
      parse: PasswordResetResult,
    }),
  /** Clears the user's second factor and ends their sessions (audited). */
  resetSecondFactor: (id: string) =>
    api.post('/api/admin/users/{id}/second-factor/reset', {
      params: { path: { id } },
      parse: SecondFactorResetResult,
    }),
  secondFactorPolicy: () => api.get('/api/admin/settings/second-factor', { parse: SecondFactorPolicy }),
  setSecondFactorPolicy: (operators: OperatorsPolicy) =>
    api.put('/api/admin/settings/second-factor', { body: { operators }, parse: SecondFactorPolicy }),
};
