import { type DbOrTx, schema } from '@korgon/db';
import type { CreateUserBody, Locale, Role, UserSummary } from '@korgon/domain';
import { asc, eq, sql } from 'drizzle-orm';
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
        if (isUniqueViolation(err))
          throw new ConflictError(`The username "${body.username}" is taken. Choose another.`);
        if (isForeignKeyViolation(err))
          throw new AppError(400, 'invalid_request', 'That partner organisation does not exist.');
        throw err;
      }
    },

    async update(
      id: string,
      patch: { role?: Role; active?: boolean; displayName?: string; partnerOrgId?: string | null },
    ): Promise<UserSummary | undefined> {
      try {
        const [row] = await db
          .update(users)
          .set({ ...patch, updatedAt: sql`now()` })
          .where(eq(users.id, id))
          .returning(columns);
        return row ? toSummary(row) : undefined;
      } catch (err) {
        if (isForeignKeyViolation(err))
          throw new AppError(400, 'invalid_request', 'That partner organisation does not exist.');
        throw err;
      }
    },
  };
}
