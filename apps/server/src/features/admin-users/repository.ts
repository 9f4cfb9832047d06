import { type DbOrTx, schema } from '@korgon/db';
import type { CreateUserBody, Locale, Role, UserSummary } from '@korgon/domain';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import { AppError, ConflictError, isForeignKeyViolation, isUniqueViolation } from '../../errors';

const { users } = schema;

const columns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  role: users.role,
  locale: users.locale,
  active: users.active,
  partnerOrgId: users.partnerOrgId,
  extension: users.extension,
  mustChangePassword: users.mustChangePassword,
  secondFactorEnrolled: sql<boolean>`${users.totpEnrolledAt} IS NOT NULL`,
  createdAt: users.createdAt,
};

type Row = Omit<UserSummary, 'locale' | 'createdAt'> & { locale: string; createdAt: Date };

function toSummary(r: Row): UserSummary {
  return { ...r, locale: r.locale as Locale, createdAt: r.createdAt.toISOString() };
}

export function createUsersRepository(db: DbOrTx) {
  return {
    async list(): Promise<UserSummary[]> {
      const rows = await db.select(columns).from(users).orderBy(asc(users.role), asc(users.username));
      return rows.map(toSummary);
    },

    /** Who holds an extension (other than `exceptId`), to name them when it is asked for again. */
    async holderOf(extension: string, exceptId?: string) {
      const [row] = await db
        .select({ id: users.id, username: users.username, displayName: users.displayName })
        .from(users)
        .where(and(eq(users.extension, extension), exceptId ? ne(users.id, exceptId) : undefined));
      return row;
    },

    async get(id: string): Promise<UserSummary | undefined> {
      const [row] = await db.select(columns).from(users).where(eq(users.id, id));
      return row ? toSummary(row) : undefined;
    },

    async create(body: CreateUserBody, passwordHash: string): Promise<UserSummary> {
      try {
        const [row] = await db
          .insert(users)
          .values({ ...body, passwordHash })
          .returning(columns);
        if (!row) throw new Error('insert returned nothing');
        return toSummary(row);
      } catch (err) {
        if (isUniqueViolation(err) && body.extension && isExtensionViolation(err))
          throw extensionTaken(body.extension, undefined);
        if (isUniqueViolation(err))
          throw new ConflictError(`The username "${body.username}" is taken. Choose another.`);
        if (isForeignKeyViolation(err))
          throw new AppError(400, 'invalid_request', 'That partner organisation does not exist.');
        throw err;
      }
    },

    async update(
      id: string,
      patch: {
        role?: Role;
        active?: boolean;
        displayName?: string;
        partnerOrgId?: string | null;
        extension?: string | null;
      },
    ): Promise<UserSummary | undefined> {
      try {
        const [row] = await db
          .update(users)
          .set({ ...patch, updatedAt: sql`now()` })
          .where(eq(users.id, id))
          .returning(columns);
        return row ? toSummary(row) : undefined;
      } catch (err) {
        // Two administrators gave the same extension at once: the index decided (the service names the
        // holder before it gets here; an aborted transaction cannot be asked who won).
        if (isUniqueViolation(err) && patch.extension) throw extensionTaken(patch.extension, undefined);
        if (isForeignKeyViolation(err))
          throw new AppError(400, 'invalid_request', 'That partner organisation does not exist.');
        throw err;
      }
    },
  };
}

/** The unique index on users.extension refused the row (and not the one on the username). */
function isExtensionViolation(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const constraint = (e as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint.includes('extension');
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** 409 naming who holds the extension, so the administrator knows whom to clear it from. */
export function extensionTaken(
  extension: string,
  holder: { username: string; displayName: string } | undefined,
): ConflictError {
  const who = holder ? `${holder.displayName} (${holder.username})` : 'another user';
  return new ConflictError(
    `Extension ${extension} is already held by ${who}. Clear it there first, or choose another extension.`,
  );
}
