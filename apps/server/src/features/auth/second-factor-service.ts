import { type Db, writeAudit } from '@korgon/db';
import {
  type EnrolmentStart,
  type Me,
  needsSecondFactor,
  type OperatorsPolicy,
  type PendingStep,
  RECOVERY_CODE_COUNT,
  type SecondFactorStatus,
} from '@korgon/domain';
import { open, type SealKey, seal } from '@korgon/signing';
import argon2 from 'argon2';
import { AppError, ConflictError } from '../../errors';
import { hashPassword } from './passwords';
import type { SessionUser } from './repository';
import { createSecondFactorRepository } from './second-factor-repository';
import { type AuthService, type LoginOrigin, toMe } from './service';
import {
  isRecoveryCodeShape,
  matchTotp,
  newRecoveryCode,
  newTotpSecret,
  normalizeRecoveryCode,
  otpauthUri,
  qrCodeOf,
} from './totp';

/** The session a second-factor request comes with: full (null) or still pending a step. */
export interface FactorSession {
  sessionId: string;
  user: SessionUser;
  pending: PendingStep | null;
}

const wrongCode = (path = 'body.code') =>
  new AppError(
    400,
    'wrong_code',
    'That code is not right, or was used already. Enter the code your authenticator app shows now (it changes every 30 seconds), or a recovery code.',
    { issues: [{ path, message: 'That code is not right, or was used already.' }] },
  );

/**
 * Enrolment, the sign-in's second step, recovery codes, and the operators' policy. Every wrong code counts in
 * the sign-in throttle like a wrong password, so six digits cannot be tried through.
 */
export function createSecondFactorService(
  db: Db,
  auth: AuthService,
  opts: { sealKey: SealKey; ttlHours: number },
) {
  const repo = createSecondFactorRepository(db);

  const secretOf = async (userId: string) => {
    const row = await repo.totpOf(userId);
    if (!row?.sealed || row.keyVersion === null) return undefined;
    return {
      secret: open(opts.sealKey, userId, row.sealed, row.keyVersion),
      enrolled: row.enrolledAt !== null,
      lastStep: row.lastStep,
    };
  };

  /** Ten new recovery codes: returned once, kept as argon2 hashes. */
  const newRecoveryCodes = async (userId: string) => {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const hashes = await Promise.all(codes.map((c) => hashPassword(normalizeRecoveryCode(c))));
    await repo.replaceRecoveryCodes(userId, hashes);
    return codes;
  };

  /** Runs `check`; a wrong answer counts in the sign-in throttle (and may lock), a locked caller is refused. */
  const throttled = async <T>(
    s: FactorSession,
    origin: LoginOrigin,
    check: () => Promise<T | undefined>,
  ): Promise<T> => {
    const t = auth.throttle.of(s.user.username, s.user.id, origin);
    const ipHash = auth.throttle.ipHashOf(origin.ip);
    await auth.throttle.refuseIfLocked(t, s.user.id, ipHash);
    const result = await check();
    if (result === undefined) {
      await auth.throttle.countFailure(t, s.user.id, ipHash, 'wrong_code');
      throw wrongCode();
    }
    await auth.throttle.clear(t);
    return result;
  };

  const complete = async (s: FactorSession, origin: LoginOrigin) => {
    if (s.pending) await repo.completeSession(s.sessionId, opts.ttlHours);
    return { me: toMe(s.user), device: auth.throttle.deviceValueOf(s.user.id, origin.device) };
  };

  const mayEnrol = async (s: FactorSession) => {
    if (s.user.role === 'wall')
      throw new ConflictError('A wall display pairs with a code; it has no second factor.');
    if (s.pending === 'totp')
      throw new ConflictError('You have a second factor already: enter its code to sign in.');
    if (s.pending === null && (await repo.totpOf(s.user.id))?.enrolledAt)
      throw new ConflictError(
        'You have a second factor already. To set up a new one, ask an administrator to reset it.',
      );
  };

  return {
    /** A new secret for the user's app; it counts only once a code from it is confirmed. */
    async startEnrolment(s: FactorSession): Promise<EnrolmentStart> {
      await mayEnrol(s);
      const secret = newTotpSecret();
      await repo.setPendingSecret(s.user.id, seal(opts.sealKey, s.user.id, secret), opts.sealKey.version);
      const uri = otpauthUri(secret, s.user.username);
      return { secret, otpauthUri: uri, qrCode: await qrCodeOf(uri) };
    },

    /** The first code from the new secret: enrolled, ten recovery codes (shown once), the session complete. */
    async confirmEnrolment(s: FactorSession, code: string, origin: LoginOrigin) {
      await mayEnrol(s);
      const current = await secretOf(s.user.id);
      if (!current || current.enrolled)
        throw new ConflictError('Start the set-up first: scan the new QR code, then enter its code.');
      await throttled(s, origin, async () => {
        const step = matchTotp(current.secret, code, current.lastStep);
        return step !== undefined && (await repo.useStep(s.user.id, step, true)) ? step : undefined;
      });
      const recoveryCodes = await newRecoveryCodes(s.user.id);
      await writeAudit(db, {
        action: 'auth.second_factor_enrolled',
        actorId: s.user.id,
        actorRole: s.user.role,
        targetType: 'user',
        targetId: s.user.id,
        details: { recoveryCodes: recoveryCodes.length, atSignIn: s.pending === 'enrol' },
      });
      return { recoveryCodes, ...(await complete(s, origin)) };
    },

    /** The sign-in's second step: a 6-digit code (each 30-second step once), or a recovery code (spent). */
    async verify(s: FactorSession, code: string, origin: LoginOrigin): Promise<{ me: Me; device: string }> {
      if (s.pending !== 'totp')
        throw new ConflictError(
          s.pending === 'enrol'
            ? 'Set up your second factor first.'
            : 'This session has passed the second factor already.',
        );
      const method = await throttled(s, origin, async () => {
        const current = await secretOf(s.user.id);
        if (!current?.enrolled) return undefined;
        if (isRecoveryCodeShape(code)) {
          const typed = normalizeRecoveryCode(code);
          for (const c of await repo.unusedRecoveryCodes(s.user.id)) {
            if (
              (await argon2.verify(c.codeHash, typed).catch(() => false)) &&
              (await repo.spendRecoveryCode(c.id))
            )
              return 'recovery_code' as const;
          }
          return undefined;
        }
        const step = matchTotp(current.secret, code.trim(), current.lastStep);
        return step !== undefined && (await repo.useStep(s.user.id, step)) ? ('totp' as const) : undefined;
      });
      if (method === 'recovery_code') {
        await writeAudit(db, {
          action: 'auth.recovery_code_used',
          actorId: s.user.id,
          actorRole: s.user.role,
          targetType: 'user',
          targetId: s.user.id,
          details: { left: await repo.recoveryCodesLeft(s.user.id) },
        });
      }
      await writeAudit(db, {
        action: 'auth.second_factor_verified',
        actorId: s.user.id,
        actorRole: s.user.role,
        targetType: 'session',
        targetId: s.sessionId.slice(0, 16),
        ipHash: auth.throttle.ipHashOf(origin.ip),
        details: { method },
      });
      return complete(s, origin);
    },

    /** New recovery codes (the old ones stop working), for a current code. */
    async regenerateRecoveryCodes(s: FactorSession, code: string, origin: LoginOrigin): Promise<string[]> {
      const current = await secretOf(s.user.id);
      if (!current?.enrolled)
        throw new ConflictError('You have no second factor to make recovery codes for.');
      await throttled(s, origin, async () => {
        const step = matchTotp(current.secret, code, current.lastStep);
        return step !== undefined && (await repo.useStep(s.user.id, step)) ? step : undefined;
      });
      const codes = await newRecoveryCodes(s.user.id);
      await writeAudit(db, {
        action: 'auth.recovery_codes_regenerated',
        actorId: s.user.id,
        actorRole: s.user.role,
        targetType: 'user',
        targetId: s.user.id,
        details: { recoveryCodes: codes.length },
      });
      return codes;
    },

    async status(user: SessionUser): Promise<SecondFactorStatus> {
      const row = await repo.totpOf(user.id);
      const policy = await repo.operatorsPolicy();
      return {
        enrolled: Boolean(row?.enrolledAt),
        enrolledAt: row?.enrolledAt?.toISOString() ?? null,
        recoveryCodesLeft: row?.enrolledAt ? await repo.recoveryCodesLeft(user.id) : 0,
        required: needsSecondFactor(user.role, policy.operators),
      };
    },

    async policy() {
      const p = await repo.operatorsPolicy();
      return { operators: p.operators, updatedAt: p.updatedAt?.toISOString() ?? null };
    },

    async setPolicy(operators: OperatorsPolicy, actor: SessionUser) {
      return db.transaction(async (tx) => {
        const txRepo = createSecondFactorRepository(tx);
        const before = await txRepo.operatorsPolicy();
        const updatedAt = await txRepo.setOperatorsPolicy(operators, actor.id);
        if (before.operators !== operators)
          await writeAudit(tx, {
            action: 'settings.second_factor_policy_changed',
            actorId: actor.id,
            actorRole: actor.role,
            targetType: 'setting',
            targetId: 'second_factor.operators',
            details: { from: before.operators, to: operators },
          });
        return { operators, updatedAt: updatedAt.toISOString() };
      });
    },
  };
}
export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
