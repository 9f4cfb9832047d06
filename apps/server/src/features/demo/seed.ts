import { type Db, schema, writeAudit } from '@korgon/db';
import { ADMIN_REGION_IDS, type PartnerType, REGIONS, type Role } from '@korgon/domain';
import { sql } from 'drizzle-orm';
import { hashPassword } from '../auth/passwords';

/** The demo's people: three operators, a supervisor, a manager, an admin, and a police partner in Bishkek. */
export const DEMO_USERS: {
  username: string;
  displayName: string;
  role: Role;
  locale: string;
  extension?: string;
  partner?: string;
}[] = [
  {
    username: 'operator1',
    displayName: 'Айгүл (оператор 1)',
    role: 'operator',
    locale: 'ky',
    extension: '101',
  },
  {
    username: 'operator2',
    displayName: 'Нургүл (оператор 2)',
    role: 'operator',
    locale: 'ru',
    extension: '102',
  },
  { username: 'operator3', displayName: 'Operator Three', role: 'operator', locale: 'en', extension: '103' },
  { username: 'supervisor', displayName: 'Supervisor', role: 'supervisor', locale: 'ky', extension: '110' },
  { username: 'manager', displayName: 'Manager', role: 'manager', locale: 'ru' },
  { username: 'admin', displayName: 'Administrator', role: 'admin', locale: 'en' },
  {
    username: 'partner-police-bishkek',
    displayName: 'Police, Bishkek',
    role: 'partner',
    locale: 'ru',
    partner: 'police-kg-gb',
  },
];

const regionLabel = (id: string) => REGIONS.find((r) => r.id === id)?.label ?? { ky: id, ru: id, en: id };

function demoPartners() {
  const out: (typeof schema.partnerOrgs.$inferInsert)[] = [];
  const add = (
    slug: string,
    type: PartnerType,
    region: string,
    name: { ky: string; ru: string; en: string },
    hours: Record<string, unknown>,
  ) => out.push({ slug, type, regions: [region], languages: ['ky', 'ru'], name, hours, channel: 'portal' });
  for (const region of ADMIN_REGION_IDS) {
    const l = regionLabel(region);
    add(
      `police-${region.toLowerCase()}`,
      'police',
      region,
      { ky: `Милиция: ${l.ky}`, ru: `Милиция: ${l.ru}`, en: `Police: ${l.en}` },
      { always: true },
    );
    add(
      `crisis-${region.toLowerCase()}`,
      'crisis_centre',
      region,
      {
        ky: `Кризистик борбор: ${l.ky}`,
        ru: `Кризисный центр: ${l.ru}`,
        en: `Crisis centre: ${l.en}`,
      },
      { weekdays: ['09:00', '18:00'] },
    );
  }
  add(
    'shelter-bishkek',
    'shelter',
    'KG-GB',
    { ky: 'Баш калкалоочу жай (Бишкек)', ru: 'Убежище (Бишкек)', en: 'Shelter (Bishkek)' },
    { always: true },
  );
  add(
    'shelter-osh',
    'shelter',
    'KG-GO',
    { ky: 'Баш калкалоочу жай (Ош)', ru: 'Убежище (Ош)', en: 'Shelter (Osh)' },
    { always: true },
  );
  add(
    'single-window-bishkek',
    'single_window',
    'KG-GB',
    {
      ky: '«Бирдиктүү терезе» борбору',
      ru: 'Центр «Единое окно»',
      en: 'Single Window centre',
    },
    { always: true },
  );
  return out;
}

export interface DemoSeedResult {
  seeded: boolean;
  users: string[];
}

/** Seeds the demo once: when any user exists, it does nothing. */
export async function seedDemo(db: Db, password: string): Promise<DemoSeedResult> {
  const users = DEMO_USERS.map((u) => u.username);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(5200, 2)`);
    const [existing] = await tx.select({ n: sql<number>`count(*)::int` }).from(schema.users);
    if ((existing?.n ?? 0) > 0) return { seeded: false, users };
    const partners = await tx
      .insert(schema.partnerOrgs)
      .values(demoPartners())
      .onConflictDoNothing()
      .returning();
    const bySlug = new Map(partners.map((p) => [p.slug, p.id]));
    for (const u of DEMO_USERS) {
      await tx.insert(schema.users).values({
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        locale: u.locale,
        extension: u.extension ?? null,
        passwordHash,
        partnerOrgId: u.partner ? (bySlug.get(u.partner) ?? null) : null,
      });
    }
    await writeAudit(tx, { action: 'user.created', details: { seed: 'demo', users } });
    return { seeded: true, users };
  });
}
