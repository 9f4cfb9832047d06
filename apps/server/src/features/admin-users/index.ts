import { writeAudit } from '@korgon/db';
import {
  CreateUserBody,
  ErrorBody,
  OkBody,
  PasswordResetResult,
  rooms,
  SecondFactorPolicy,
  SecondFactorPolicyBody,
  SecondFactorResetResult,
  SessionIdParams,
  SessionInfo,
  UpdateUserBody,
  UserIdParams,
  UserSummary,
} from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createAuthRepository } from '../auth/repository';
import { toSessionInfo } from '../auth/service';
import { createUsersService } from './service';

const tags = ['admin'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/** Administrators manage users, roles and sessions. */
const adminUsers: FastifyPluginAsyncZod = async (app) => {
  const service = createUsersService(app.db);
  const sessions = createAuthRepository(app.db);

  app.get(
    '/api/admin/users',
    {
      config: { permission: 'users:read' },
      schema: { tags, summary: 'All users', response: { 200: z.array(UserSummary), ...guarded } },
    },
    async () => service.list(),
  );

  app.post(
    '/api/admin/users',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary: 'Create a user',
        body: CreateUserBody,
        response: { 201: UserSummary, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => reply.code(201).send(await service.create(req.body, authOf(req).user)),
  );

  app.patch(
    '/api/admin/users/:id',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          "Change a user's role, partner organisation, display name, PBX extension (unique; null clears it) or active flag (audited)",
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: UserSummary, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const change = await service.update(req.params.id, req.body, authOf(req).user);
      for (const id of change.endedSessions) {
        app.io.to(rooms.session(id)).emit('session:ended', { reason: 'deactivated' });
      }
      // Sockets joined rooms under the old role: make them reconnect under the new one.
      if (change.endedSessions.length > 0 || change.roleChanged)
        app.io.in(rooms.user(req.params.id)).disconnectSockets(true);
      return change.user;
    },
  );

  app.post(
    '/api/admin/users/:id/password-reset',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          "Reset a user's password to a one-time one, shown once in this answer; ends their sessions, and they must choose their own at the next sign-in (audited)",
        params: UserIdParams,
        response: { 200: PasswordResetResult, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      const reset = await service.resetPassword(req.params.id, authOf(req).user);
      for (const id of reset.endedSessions) {
        app.io.to(rooms.session(id)).emit('session:ended', { reason: 'revoked' });
      }
      app.io.in(rooms.user(req.params.id)).disconnectSockets(true);
      // Never cached anywhere on the way back.
      reply.header('cache-control', 'no-store');
      return { oneTimePassword: reset.oneTimePassword, sessionsEnded: reset.endedSessions.length };
    },
  );

  app.post(
    '/api/admin/users/:id/second-factor/reset',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          "Reset a user's second factor (a lost phone): its secret and recovery codes are cleared, their sessions ended; they set up a new one at the next sign-in (audited)",
        params: UserIdParams,
        response: { 200: SecondFactorResetResult, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const reset = await service.resetSecondFactor(req.params.id, authOf(req).user);
      for (const id of reset.endedSessions) {
        app.io.to(rooms.session(id)).emit('session:ended', { reason: 'revoked' });
      }
      app.io.in(rooms.user(req.params.id)).disconnectSockets(true);
      return { ok: true as const, sessionsEnded: reset.endedSessions.length };
    },
  );

  app.get(
    '/api/admin/settings/second-factor',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          "The operators' second-factor policy (supervisors, managers, administrators and partners always need one)",
        response: { 200: SecondFactorPolicy, ...guarded },
      },
    },
    async () => app.secondFactor.policy(),
  );

  app.put(
    '/api/admin/settings/second-factor',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          "Set the operators' second-factor policy: `required` makes every operator set one up at the next sign-in (audited)",
        body: SecondFactorPolicyBody,
        response: { 200: SecondFactorPolicy, 400: ErrorBody, ...guarded },
      },
    },
    async (req) => app.secondFactor.setPolicy(req.body.operators, authOf(req).user),
  );

  app.get(
    '/api/admin/users/:id/sessions',
    {
      config: { permission: 'sessions:any' },
      schema: {
        tags,
        summary: "A user's live sessions",
        params: UserIdParams,
        response: { 200: z.array(SessionInfo), ...guarded },
      },
    },
    async (req) => {
      const rows = await sessions.liveSessionsOf(req.params.id);
      const current = authOf(req).sessionId;
      return rows.map((s) => toSessionInfo(s, current));
    },
  );

  app.delete(
    '/api/admin/sessions/:id',
    {
      config: { permission: 'sessions:any' },
      schema: {
        tags,
        summary: 'End any session (audited)',
        params: SessionIdParams,
        response: { 200: OkBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const actor = authOf(req).user;
      const ended = await sessions.endSession(req.params.id, 'revoked');
      if (!ended) throw new NotFoundError('That session');
      await writeAudit(app.db, {
        action: 'auth.session_revoked',
        actorId: actor.id,
        actorRole: actor.role,
        targetType: 'session',
        targetId: ended.id.slice(0, 16),
        details: { userId: ended.userId },
      });
      app.io.to(rooms.session(ended.id)).emit('session:ended', { reason: 'revoked' });
      app.io.in(rooms.session(ended.id)).disconnectSockets(true);
      return { ok: true as const };
    },
  );
};
export default adminUsers;
