import { type Db, type DbOrTx, writeAudit } from '@korgon/db';
import {
  ADMIN_REGION_IDS,
  DEFAULT_PARTNER_LANGUAGES,
  type LocalizedText,
  type PartnerHours,
  type PartnerType,
  REGIONS,
  type Role,
} from '@korgon/domain';
import { hashPassword } from '../auth/passwords';
import { createDemoSeedRepository, type NewDemoPartner, type NewDemoUser } from './seed-repository';

export interface DemoUser {
  username: string;
  /** One string for every console language: real Kyrgyz and Russian names, in Cyrillic. */
  displayName: string;
  role: Role;
  locale: string;
  extension?: string;
  /** The slug of the demo partner organisation a partner user works for. */
  partner?: string;
}

/**
 * The demo's people: three operators, two supervisors (day and night), a manager, an administrator, and one portal user for every
 * partner organisation type (so a shelter or a crisis centre can read what it is sent).
 */
export const DEMO_USERS: DemoUser[] = [
  { username: 'operator1', displayName: 'Айгүл Асанова', role: 'operator', locale: 'ky', extension: '101' },
  {
    username: 'operator2',
    displayName: 'Нургүл Токтосунова',
    role: 'operator',
    locale: 'ru',
    extension: '102',
  },
  { username: 'operator3', displayName: 'Елена Смирнова', role: 'operator', locale: 'en', extension: '103' },
  {
    username: 'supervisor',
    displayName: 'Гүлнара Жумабаева',
    role: 'supervisor',
    locale: 'ky',
    extension: '110',
  },
  /** The night shift's supervisor: the other side of a hand-over note, an alert seen by two supervisors. */
  {
    username: 'supervisor-night',
    displayName: 'Бермет Сатыбалдиева',
    role: 'supervisor',
    locale: 'ru',
    extension: '112',
  },
  { username: 'manager', displayName: 'Ирина Ковалёва', role: 'manager', locale: 'ru' },
  { username: 'admin', displayName: 'Азамат Бейшеналиев', role: 'admin', locale: 'en' },
  ...(
    [
      ['partner-police-bishkek', 'Бакыт Осмонов', 'police-kg-gb'],
      ['partner-crisis-bishkek', 'Жылдыз Мамбетова', 'crisis-kg-gb'],
      ['partner-shelter-bishkek', 'Анара Сыдыкова', 'shelter-bishkek'],
      ['partner-single-window', 'Ольга Ким', 'single-window-bishkek'],
      ['partner-health-bishkek', 'Динара Абдыкадырова', 'health-bishkek'],
      ['partner-social-bishkek', 'Чолпон Турдубаева', 'social-protection-bishkek'],
      ['partner-child-bishkek', 'Эльмира Алиева', 'child-protection-bishkek'],
      ['partner-legal-aid-bishkek', 'Тимур Усенов', 'legal-aid-bishkek'],
      ['partner-probation-bishkek', 'Сергей Пак', 'probation-bishkek'],
      ['partner-ayil-okmotu', 'Улан Керимбеков', 'ayil-okmotu-alamudun'],
      ['partner-anti-trafficking', 'Мээрим Исакова', 'anti-trafficking-bishkek'],
      ['partner-consulate-moscow', 'Канат Жээнбеков', 'consulate-moscow'],
    ] as const
  ).map(([username, displayName, partner]) => ({
    username,
    displayName,
    role: 'partner' as const,
    locale: 'ru',
    partner,
  })),
];

/**
 * Display names the demo was seeded with before it had real names. A demo database still showing one of these
 * gets the new name at the next start (only for that username, and only while nobody has renamed it).
 */
const LEGACY_DISPLAY_NAMES: Record<string, string> = {
  operator1: 'Айгүл (оператор 1)',
  operator2: 'Нургүл (оператор 2)',
  operator3: 'Operator Three',
  supervisor: 'Supervisor',
  manager: 'Manager',
  admin: 'Administrator',
  'partner-police-bishkek': 'Police, Bishkek',
};

const regionLabel = (id: string) => REGIONS.find((r) => r.id === id)?.label ?? { ky: id, ru: id, en: id };

/** The demo's partner organisations: police and a crisis centre in every region, and one of every other type. */
export function demoPartners(): NewDemoPartner[] {
  const out: NewDemoPartner[] = [];
  const add = (
    slug: string,
    type: PartnerType,
    regions: string[],
    name: LocalizedText,
    hours: PartnerHours,
  ) =>
    out.push({
      slug,
      type,
      regions,
      languages: [...DEFAULT_PARTNER_LANGUAGES],
      name,
      hours,
      channel: 'portal',
    });
  const office = { weekdays: ['09:00', '18:00'] } as PartnerHours;
  for (const region of ADMIN_REGION_IDS) {
    const l = regionLabel(region);
    add(
      `police-${region.toLowerCase()}`,
      'police',
      [region],
      { ky: `Милиция: ${l.ky}`, ru: `Милиция: ${l.ru}`, en: `Police: ${l.en}` },
      { always: true },
    );
    add(
      `crisis-${region.toLowerCase()}`,
      'crisis_centre',
      [region],
      { ky: `Кризистик борбор: ${l.ky}`, ru: `Кризисный центр: ${l.ru}`, en: `Crisis centre: ${l.en}` },
      office,
    );
  }
  add(
    'shelter-bishkek',
    'shelter',
    ['KG-GB'],
    { ky: 'Баш калкалоочу жай (Бишкек)', ru: 'Убежище (Бишкек)', en: 'Shelter (Bishkek)' },
    { always: true },
  );
  add(
    'shelter-osh',
    'shelter',
    ['KG-GO'],
    { ky: 'Баш калкалоочу жай (Ош)', ru: 'Убежище (Ош)', en: 'Shelter (Osh)' },
    { always: true },
  );
  add(
    'single-window-bishkek',
    'single_window',
    ['KG-GB'],
    { ky: '«Бирдиктүү терезе» борбору', ru: 'Центр «Единое окно»', en: 'Single Window centre' },
    { always: true },
  );
  add(
    'health-bishkek',
    'health',
    ['KG-GB'],
    {
      ky: 'Үй-бүлөлүк медицина борбору №1 (Бишкек)',
      ru: 'Центр семейной медицины №1 (Бишкек)',
      en: 'Family Medicine Centre No. 1 (Bishkek)',
    },
    { weekdays: ['08:00', '18:00'], saturday: ['09:00', '14:00'] },
  );
  add(
    'social-protection-bishkek',
    'social_protection',
    ['KG-GB'],
    {
      ky: 'Бишкек шаарынын социалдык өнүктүрүү башкармалыгы',
      ru: 'Управление социального развития г. Бишкек',
      en: 'Bishkek Social Development Office',
    },
    office,
  );
  add(
    'child-protection-bishkek',
    'child_protection',
    ['KG-GB'],
    {
      ky: 'Үй-бүлөнү жана балдарды колдоо бөлүмү (Бишкек)',
      ru: 'Отдел поддержки семьи и детей (Бишкек)',
      en: 'Family and Child Support Department (Bishkek)',
    },
    office,
  );
  add(
    'legal-aid-bishkek',
    'legal_aid',
    ['KG-GB', 'KG-C'],
    {
      ky: 'Мамлекет кепилдеген юридикалык жардам борбору (Бишкек)',
      ru: 'Центр гарантированной государством юридической помощи (Бишкек)',
      en: 'State-guaranteed legal aid centre (Bishkek)',
    },
    office,
  );
  add(
    'probation-bishkek',
    'probation',
    ['KG-GB'],
    {
      ky: 'Пробация органы (Бишкек)',
      ru: 'Орган пробации (Бишкек)',
      en: 'Probation office (Bishkek)',
    },
    office,
  );
  add(
    'ayil-okmotu-alamudun',
    'local_government',
    ['KG-C'],
    { ky: 'Аламүдүн айыл өкмөтү', ru: 'Аламединский айыл окмоту', en: 'Alamüdün ayil okmotu' },
    office,
  );
  add(
    'anti-trafficking-bishkek',
    'anti_trafficking',
    ['KG-GB', ...ADMIN_REGION_IDS.filter((r) => r !== 'KG-GB'), 'abroad'],
    {
      ky: 'Адам сатууга каршы аракеттенүү кызматы (Бишкек)',
      ru: 'Служба противодействия торговле людьми (Бишкек)',
      en: 'Counter-trafficking service (Bishkek)',
    },
    office,
  );
  add(
    'consulate-moscow',
    'consulate',
    ['abroad'],
    {
      ky: 'Кыргыз Республикасынын Москвадагы консулдук бөлүмү',
      ru: 'Консульский отдел Кыргызской Республики в Москве',
      en: 'Consular section of the Kyrgyz Republic in Moscow',
    },
    office,
  );
  return out;
}

/** The partner organisation a demo partner user works for, in the three languages (for `pnpm start`). */
export function demoPartnerOf(user: DemoUser): (NewDemoPartner & { name: LocalizedText }) | undefined {
  return demoPartners().find((p) => p.slug === user.partner) as
    | (NewDemoPartner & { name: LocalizedText })
    | undefined;
}

export interface DemoSeedResult {
  seeded: boolean;
  users: string[];
  /** On a database seeded before: demo users added (new partner portal users) and renamed (real names). */
  added: string[];
  renamed: string[];
}

/**
 * Seeds the demo once. On a database that already has users it creates nobody — unless it is a demo database
 * (seeded by this function before), which is brought up to date: missing demo partners and demo users are
 * added, and demo users still carrying an old placeholder name get their real one. Nothing else is touched.
 */
export async function seedDemo(db: Db, password: string): Promise<DemoSeedResult> {
  const users = DEMO_USERS.map((u) => u.username);
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const repo = createDemoSeedRepository(tx);
    await repo.lockSeed();
    if ((await repo.userCount()) > 0) {
      const none = { seeded: false, users, added: [], renamed: [] };
      return (await repo.isDemoDatabase()) ? { ...none, ...(await updateDemo(tx, passwordHash)) } : none;
    }
    const bySlug = await repo.insertPartners(demoPartners());
    for (const u of DEMO_USERS) await repo.insertUser(newUser(u, passwordHash, bySlug));
    await writeAudit(tx, { action: 'user.created', details: { seed: 'demo', users } });
    return { seeded: true, users, added: [], renamed: [] };
  });
}

function newUser(u: DemoUser, passwordHash: string, bySlug: Map<string, string>): NewDemoUser {
  return {
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    locale: u.locale,
    extension: u.extension ?? null,
    passwordHash,
    partnerOrgId: u.partner ? (bySlug.get(u.partner) ?? null) : null,
  };
}

/** Idempotent: adds what is missing, renames only users whose name is still the old placeholder. */
async function updateDemo(tx: DbOrTx, passwordHash: string) {
  const repo = createDemoSeedRepository(tx);
  const bySlug = await repo.insertPartners(demoPartners());
  const present = new Set((await repo.usernames()).map((name) => name.toLowerCase()));
  const added: string[] = [];
  for (const u of DEMO_USERS) {
    if (present.has(u.username.toLowerCase())) continue;
    // An extension someone else holds now stays theirs.
    const free = u.extension ? !(await repo.extensionTaken(u.extension)) : true;
    if (await repo.insertUser(newUser(free ? u : { ...u, extension: undefined }, passwordHash, bySlug)))
      added.push(u.username);
  }
  if (added.length > 0)
    await writeAudit(tx, { action: 'user.created', details: { seed: 'demo', users: added } });
  const renamed: string[] = [];
  for (const u of DEMO_USERS) {
    const legacy = LEGACY_DISPLAY_NAMES[u.username];
    if (!legacy) continue;
    for (const id of await repo.renameFrom(u.username, legacy, u.displayName)) {
      renamed.push(u.username);
      await writeAudit(tx, {
        action: 'user.display_name_changed',
        targetType: 'user',
        targetId: id,
        details: { from: legacy, to: u.displayName, seed: 'demo' },
      });
    }
  }
  return { added, renamed };
}
