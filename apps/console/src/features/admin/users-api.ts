import { type CreateUserBody, PasswordResetResult, type UpdateUserBody, UserSummary } from '@korgon/domain';
import { z } from 'zod';
import { api } from '../../lib/api';

const UserList = z.array(UserSummary);

export const usersApi = {
  list: () => api.get('/api/admin/users', UserList),
  create: (body: CreateUserBody) => api.post('/api/admin/users', body, UserSummary),
  update: (id: string, body: UpdateUserBody) =>
    api.patch(`/api/admin/users/${encodeURIComponent(id)}`, body, UserSummary),
  /** A one-time password, in this answer only; the user's sessions end. */
  resetPassword: (id: string) =>
    api.post(`/api/admin/users/${encodeURIComponent(id)}/password-reset`, {}, PasswordResetResult),
};
