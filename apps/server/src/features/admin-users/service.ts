import { type Db, writeAudit } from '@korgon/db';
import type { AuditAction, CreateUserBody, UpdateUserBody, UserSummary } from '@korgon/domain';
import { AppError, NotFoundError } from '../../errors';
import { hashPassword } from '../auth/passwords';
import type { SessionUser } from '../auth/repository';
import { createAuthRepository } from '../auth/repository';
import { createUsersRepository } from './repository';

export interface UserChange {
  user: UserSummary;
  /** Sessions ended by the change (deactivation), so their sockets can be told. */
  endedSessions: string[];
  /** True when the user's role changed, so their open consoles must reconnect under the new role. */
  roleChanged: boolean;
}

/** Users and their permissions. Every permission change is written to the audit log in the same transaction. */
export function createUsersService(db: Db) {
  return {
    list: () => createUsersRepository(db).list(),

    async create(body: CreateUserBody, actor: SessionUser): Promise<UserSummary> {
      const passwordHash = await hashPassword(body.password);
      return db.transaction(async (tx) => {
        const user = await createUsersRepository(tx).create(body, passwordHash);
        await writeAudit(tx, {
          action: 'user.created',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'user',
          targetId: user.id,
          details: { role: user.role, partnerOrgId: user.partnerOrgId },
        });
        return user;
      });
    },

    async update(id: string, body: UpdateUserBody, actor: SessionUser): Promise<UserChange> {
      if (id === actor.id && (body.role !== undefined || body.active === false)) {
        throw new AppError(
          403,
          'forbidden',
          'You cannot change your own role or deactivate yourself; ask another administrator.',
        );
      }
      return db.transaction(async (tx) => {
        const repo = createUsersRepository(tx);
        const before = await repo.get(id);
        if (!before) throw new NotFoundError('That user');
        const role = body.role ?? before.role;
        const partnerOrgId = body.partnerOrgId !== undefined ? body.partnerOrgId : before.partnerOrgId;
        if ((role === 'partner') !== (partnerOrgId !== null)) {
          throw new AppError(
            400,
            'invalid_request',
            'A partner user needs a partner organisation, and only a partner user has one.',
          );
        }
        const after = await repo.update(id, { ...body, partnerOrgId });
        if (!after) throw new NotFoundError('That user');
        const changes: [AuditAction, Record<string, unknown>][] = [];
        if (after.role !== before.role)
          changes.push(['user.role_changed', { from: before.role, to: after.role }]);
        if (after.active !== before.active)
          changes.push([after.active ? 'user.activated' : 'user.deactivated', {}]);
        if (after.partnerOrgId !== before.partnerOrgId)
          changes.push(['user.partner_changed', { from: before.partnerOrgId, to: after.partnerOrgId }]);
        for (const [action, details] of changes) {
          await writeAudit(tx, {
            action,
            actorId: actor.id,
            actorRole: actor.role,
            targetType: 'user',
            targetId: id,
            details,
          });
        }
        const ended = after.active ? [] : await createAuthRepository(tx).endAllSessionsOf(id, 'deactivated');
        return {
          user: after,
          endedSessions: ended.map((s) => s.id),
          roleChanged: after.role !== before.role,
        };
      });
    },
  };
}
