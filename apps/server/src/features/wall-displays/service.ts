import { randomBytes, randomInt } from 'node:crypto';
import { type Db, type Tx, writeAudit } from '@korgon/db';
import {
  type CreateWallDisplayBody,
  formatPairingCode,
  type Locale,
  type Me,
  normalizePairingCode,
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  PAIRING_CODE_MINUTES,
  type WallDisplay,
  type WallPairingCode,
} from '@korgon/domain';
import { AppError, NotFoundError, TooManyRequestsError } from '../../errors';
import { hmacHex, randomToken } from '../../lib/crypto';
import { hashPassword } from '../auth/passwords';
import { createAuthRepository, type SessionUser } from '../auth/repository';
import { THROTTLE, toMe } from '../auth/service';
import { createWallDisplaysRepository } from './repository';

export interface WallSettings {
  /** Keys the stored hash of a pairing code, as it keys the stored session ids. */
  sessionSecret: string;
  /** Where the pairing link points (PUBLIC_URL). */
  publicUrl: string;
  /** A wall session's absolute lifetime. */
  sessionDays: number;
}

export interface Paired {
  token: string;
  expiresAt: Date;
  me: Me;
  /** The display's earlier sessions, ended by this pairing (one display, one screen). */
  endedSessions: string[];
}

/** 8 characters drawn uniformly from the unambiguous alphabet. */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++)
    code += PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)];
  return code;
}

/** `wall-<where it hangs, in latin letters>-<random>`: unique, and recognisable in the audit log. */
export function wallUsername(name: string): string {
  const slug =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24)
      .replace(/-+$/, '') || 'screen';
  return `wall-${slug}-${randomBytes(4).toString('hex')}`;
}

const wrongCode = () =>
  new AppError(
    401,
    'invalid_pairing_code',
    'That pairing code is not right, or it was used already. Check it, or ask an administrator for a new one.',
  );
const expiredCode = () =>
  new AppError(
    401,
    'pairing_code_expired',
    `That pairing code has expired (a code is valid for ${PAIRING_CODE_MINUTES} minutes). Ask an administrator for a new one.`,
  );

/**
 * Wall displays (docs/board.md): an administrator creates one (its account, role wall, never signs in with a
 * password) and gets a one-time pairing code; the screen trades the code for a long read-only session; a
 * revoke ends the screen's session and deactivates the account. Every step is audited.
 */
export function createWallDisplaysService(db: Db, settings: WallSettings) {
  const codeHashOf = (normalized: string) => hmacHex(settings.sessionSecret, `wall-pairing:${normalized}`);
  const ipHashOf = (ip: string) => hmacHex(settings.sessionSecret, `ip:${ip}`).slice(0, 32);
  const pairingUrlOf = (code: string, locale: Locale) =>
    `${settings.publicUrl}/#/wall/pair?code=${encodeURIComponent(code)}&lang=${locale}`;

  /** Gives the display a new code (its account active again) inside the caller's transaction. */
  async function issueCode(tx: Tx, id: string) {
    const repo = createWallDisplaysRepository(tx);
    const code = newPairingCode();
    const expiresAt = await repo.setPairingCode(id, codeHashOf(code), PAIRING_CODE_MINUTES);
    const display = await repo.get(id);
    if (!display) throw new NotFoundError('That wall display');
    return {
      display,
      code: formatPairingCode(code),
      pairingUrl: pairingUrlOf(formatPairingCode(code), display.locale),
      expiresAt: expiresAt.toISOString(),
    } satisfies WallPairingCode;
  }

  return {
    list: () => createWallDisplaysRepository(db).list(),

    async create(body: CreateWallDisplayBody, actor: SessionUser): Promise<WallPairingCode> {
      // A hash of 32 random bytes nobody keeps: no password matches it, and the sign-in refuses role wall anyway.
      const passwordHash = await hashPassword(randomToken(32));
      return db.transaction(async (tx) => {
        const repo = createWallDisplaysRepository(tx);
        const userId = await repo.createAccount({
          username: wallUsername(body.name),
          displayName: body.name,
          locale: body.locale,
          passwordHash,
        });
        const id = await repo.create({ userId, name: body.name, createdBy: actor.id });
        await writeAudit(tx, {
          action: 'wall_display.created',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'wall_display',
          targetId: id,
          details: { userId, locale: body.locale },
        });
        const issued = await issueCode(tx, id);
        await writeAudit(tx, {
          action: 'wall_display.code_issued',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'wall_display',
          targetId: id,
          details: { expiresAt: issued.expiresAt },
        });
        return issued;
      });
    },

    /**
     * A new code, replacing any earlier one. The screen paired now keeps its session until the new code is
     * used (then it ends: one display, one screen); a revoked display becomes active again.
     */
    async newCode(id: string, actor: SessionUser): Promise<WallPairingCode> {
      return db.transaction(async (tx) => {
        const repo = createWallDisplaysRepository(tx);
        const row = await repo.lockRow(id);
        if (!row) throw new NotFoundError('That wall display');
        await repo.setActive(row.userId, true);
        const issued = await issueCode(tx, id);
        await writeAudit(tx, {
          action: 'wall_display.code_issued',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'wall_display',
          targetId: id,
          details: { expiresAt: issued.expiresAt },
        });
        return issued;
      });
    },

    /** Ends the display's sessions, deactivates its account and drops an unused code. */
    async revoke(id: string, actor: SessionUser): Promise<{ display: WallDisplay; endedSessions: string[] }> {
      return db.transaction(async (tx) => {
        const repo = createWallDisplaysRepository(tx);
        const row = await repo.lockRow(id);
        if (!row) throw new NotFoundError('That wall display');
        await repo.clearPairingCode(id);
        await repo.setActive(row.userId, false);
        const ended = await createAuthRepository(tx).endAllSessionsOf(row.userId, 'revoked');
        await writeAudit(tx, {
          action: 'wall_display.revoked',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'wall_display',
          targetId: id,
          details: { userId: row.userId, sessionsEnded: ended.length },
        });
        const display = await repo.get(id);
        if (!display) throw new NotFoundError('That wall display');
        return { display, endedSessions: ended.map((s) => s.id) };
      });
    },

    /**
     * A screen trades a code for a session. Wrong and expired codes count against the address as failed
     * sign-ins do (20 in 15 minutes lock it out), and are audited.
     */
    async pair(
      typed: string,
      origin: { ip: string; userAgent: string | null },
      sessionIdOf: (t: string) => string,
    ) {
      const ipHash = ipHashOf(origin.ip);
      const throttleKey = `wall-pair:${ipHash}`;
      const auth = createAuthRepository(db);
      const locked = await auth.lockedFor([throttleKey]);
      if (locked > 0) throw tooMany(locked);

      const codeHash = codeHashOf(normalizePairingCode(typed));
      const token = randomToken();
      const sessionId = sessionIdOf(token);
      const expiresAt = new Date(Date.now() + settings.sessionDays * 86_400_000);
      const paired = await db.transaction(async (tx) => {
        const repo = createWallDisplaysRepository(tx);
        const used = await repo.consumePairingCode(codeHash);
        if (!used) return undefined;
        const txAuth = createAuthRepository(tx);
        const ended = await txAuth.endAllSessionsOf(used.userId, 'repaired');
        await txAuth.createSession({
          id: sessionId,
          userId: used.userId,
          expiresAt,
          userAgent: origin.userAgent?.slice(0, 300) ?? null,
        });
        const user = await txAuth.getUser(used.userId);
        if (!user) throw new Error('the wall display account vanished');
        await writeAudit(tx, {
          action: 'wall_display.paired',
          actorId: user.id,
          actorRole: user.role,
          targetType: 'wall_display',
          targetId: used.id,
          ipHash,
          details: { session: sessionId.slice(0, 16), sessionsEnded: ended.length },
        });
        return { user, ended: ended.map((s) => s.id) };
      });

      if (!paired) {
        const expired = await createWallDisplaysRepository(db).expiredCode(codeHash);
        const { max, windowSeconds, lockSeconds } = THROTTLE.address;
        const lock = await auth.recordFailure(throttleKey, max, windowSeconds, lockSeconds);
        await writeAudit(db, {
          action: 'wall_display.pair_failed',
          targetType: 'wall_display',
          ipHash,
          details: { reason: expired ? 'expired' : 'wrong_code' },
        });
        if (lock > 0) throw tooMany(lock);
        throw expired ? expiredCode() : wrongCode();
      }
      return { token, expiresAt, me: toMe(paired.user), endedSessions: paired.ended } satisfies Paired;
    },
  };
}
export type WallDisplaysService = ReturnType<typeof createWallDisplaysService>;

function tooMany(seconds: number) {
  const minutes = Math.ceil(seconds / 60);
  return new TooManyRequestsError(
    `Too many wrong pairing codes from this network. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`,
    seconds,
  );
}
