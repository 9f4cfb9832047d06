import { randomBytes } from 'node:crypto';
import { type Db, writeAudit } from '@korgon/db';
import {
  type AuditAction,
  type CreateUserBody,
  canHoldExtension,
  type UpdateUserBody,
  type UserSummary,
} from '@korgon/domain';
import { AppError, NotFoundError } from '../../errors';
import { hashPassword } from '../auth/passwords';
import type { SessionUser } from '../auth/repository';
import { createAuthRepository } from '../auth/repository';
import { createSecondFactorRepository } from '../auth/second-factor-repository';
import { createUsersRepository, extensionTaken } from './repository';

export interface UserChange {
  user: UserSummary;
  /** Sessions ended by the change (deactivation), so their sockets can be told. */
  endedSessions: string[];
  /** True when the user's role changed, so their open consoles must reconnect under the new role. */
  roleChanged: boolean;
}

export interface PasswordReset {
  /** Shown once to the administrator; only its hash is stored. */
  oneTimePassword: string;
  /** The user's sessions the reset ended, so their sockets can be told. */
  endedSessions: string[];
}

/** 20 characters from 120 random bits: far beyond guessing, short enough to read out over the phone. */
export function oneTimePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** A wall display's account is kept under Wall displays (its own pairing and revoke), never as a user. */
const wallAccountError = () =>
  new AppError(
    400,
    'invalid_request',
    "This is a wall display's account: pair or revoke it under Administration → Wall displays.",
  );

const extensionRoleError = () =>
  new AppError(
    400,
    'invalid_request',
    'Only operators and supervisors answer calls, so only they hold an extension.',
    {
      issues: [{ path: 'body.extension', message: 'Only operators and supervisors hold an extension.' }],
    },
  );

/** Users and their permissions. Every permission change is written to the audit log in the same transaction. */
export function createUsersService(db: Db) {
  return {
    list: () => createUsersRepository(db).list(),

    async create(body: CreateUserBody, actor: SessionUser): Promise<UserSummary> {
      const passwordHash = await hashPassword(body.password);
      return db.transaction(async (tx) => {
        const repo = createUsersRepository(tx);
        if (body.extension) {
          const holder = await repo.holderOf(body.extension);
          if (holder) throw extensionTaken(body.extension, holder);
        }
        const user = await repo.create(body, passwordHash);
        await writeAudit(tx, {
          action: 'user.created',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'user',
          targetId: user.id,
          details: { role: user.role, partnerOrgId: user.partnerOrgId, extension: user.extension },
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
        if (before.role === 'wall') throw wallAccountError();
        const role = body.role ?? before.role;
        const partnerOrgId = body.partnerOrgId !== undefined ? body.partnerOrgId : before.partnerOrgId;
        if ((role === 'partner') !== (partnerOrgId !== null)) {
          throw new AppError(
            400,
            'invalid_request',
            'A partner user needs a partner organisation, and only a partner user has one.',
          );
        }
        // An extension belongs to someone who answers calls: giving one to another role is refused, and a
        // role change away from answering calls frees the extension for someone else.
        let extension = body.extension !== undefined ? body.extension : before.extension;
        if (extension !== null && !canHoldExtension(role)) {
          if (body.extension) throw extensionRoleError();
          extension = null;
        }
        if (extension !== null && extension !== before.extension) {
          const holder = await repo.holderOf(extension, id);
          if (holder) throw extensionTaken(extension, holder);
        }
        const after = await repo.update(id, { ...body, partnerOrgId, extension });
        if (!after) throw new NotFoundError('That user');
        const changes: [AuditAction, Record<string, unknown>][] = [];
        if (after.role !== before.role)
          changes.push(['user.role_changed', { from: before.role, to: after.role }]);
        if (after.active !== before.active)
          changes.push([after.active ? 'user.activated' : 'user.deactivated', {}]);
        if (after.partnerOrgId !== before.partnerOrgId)
          changes.push(['user.partner_changed', { from: before.partnerOrgId, to: after.partnerOrgId }]);
        if (after.extension !== before.extension)
          changes.push(['user.extension_changed', { from: before.extension, to: after.extension }]);
        if (after.displayName !== before.displayName)
          changes.push(['user.display_name_changed', { from: before.displayName, to: after.displayName }]);
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

    /**
     * Gives the user a one-time password (returned once, stored only as its hash), ends their sessions, and
     * makes them choose their own at the next sign-in. Clears their failed sign-in lock, so the person the
     * administrator is helping can sign in at once. Audited; the password itself is in no log.
     */
    async resetPassword(id: string, actor: SessionUser): Promise<PasswordReset> {
      if (id === actor.id) {
        throw new AppError(
          403,
          'forbidden',
          'You cannot reset your own password here; change it on your sessions page, or ask another administrator.',
        );
      }
      const password = oneTimePassword();
      const passwordHash = await hashPassword(password);
      return db.transaction(async (tx) => {
        const user = await createUsersRepository(tx).get(id);
        if (!user) throw new NotFoundError('That user');
        // A wall display never signs in with a password: a password would make its read-only account a door.
        if (user.role === 'wall') throw wallAccountError();
        const auth = createAuthRepository(tx);
        await auth.setPasswordHash(id, passwordHash, true);
        const ended = await auth.endAllSessionsOf(id, 'password_reset');
        await auth.clearAccountFailures(user.username);
        await auth.clearFailures(`password:${id}`);
        await writeAudit(tx, {
          action: 'user.password_reset',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'user',
          targetId: id,
          details: { sessionsEnded: ended.length },
        });
        return { oneTimePassword: password, endedSessions: ended.map((s) => s.id) };
      });
    },

    /**
     * Clears a user's second factor (secret and recovery codes: a lost phone) and ends their sessions; at the
     * next sign-in they set up a new one. Audited with who did it to whom.
     */
    async resetSecondFactor(id: string, actor: SessionUser): Promise<{ endedSessions: string[] }> {
      if (id === actor.id) {
        throw new AppError(
          403,
          'forbidden',
          'You cannot reset your own second factor; ask another administrator.',
        );
      }
      return db.transaction(async (tx) => {
        const user = await createUsersRepository(tx).get(id);
        if (!user) throw new NotFoundError('That user');
        if (user.role === 'wall') throw wallAccountError();
        const hadOne = user.secondFactorEnrolled;
        await createSecondFactorRepository(tx).clear(id);
        const ended = await createAuthRepository(tx).endAllSessionsOf(id, 'second_factor_reset');
        await writeAudit(tx, {
          action: 'auth.second_factor_reset',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'user',
          targetId: id,
          details: { wasEnrolled: hadOne, sessionsEnded: ended.length },
        });
        return { endedSessions: ended.map((s) => s.id) };
      });
    },
  };
}
