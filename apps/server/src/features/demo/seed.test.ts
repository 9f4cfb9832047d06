import { createDb, type DbHandle, schema } from '@korgon/db';
import { freshDatabase, TEST_PASSWORD } from '@korgon/dev/testing';
import { PARTNER_TYPES } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, demoPartnerOf, demoPartners, seedDemo } from './seed';

describe('the demo people', () => {
  it('have real names, and every partner type has an organisation with a portal user', () => {
    for (const u of DEMO_USERS) {
      // A first name and a family name, in Cyrillic: no "Operator Three", no "Police, Bishkek".
      expect(u.displayName, u.username).toMatch(/^[А-ЯЁӨҮҢ][а-яёөүң]+ [А-ЯЁӨҮҢ][а-яёөүң-]+$/);
    }
    const covered = new Set(DEMO_USERS.map((u) => demoPartnerOf(u)?.type).filter(Boolean));
    expect([...covered].sort()).toEqual([...PARTNER_TYPES].sort());
    const slugs = demoPartners().map((p) => p.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
  });
});

describe('seeding a database', () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = createDb(await freshDatabase('seed'), { max: 2 });
  });
  afterAll(async () => h?.close());

  const names = async () =>
    Object.fromEntries(
      (
        await h.pool.query<{ username: string; display_name: string }>(
          'SELECT username, display_name FROM users',
        )
      ).rows.map((r) => [r.username, r.display_name]),
    );

  it('seeds once, then brings an older demo up to date without touching what an admin changed', async () => {
    expect(await seedDemo(h.db, TEST_PASSWORD)).toMatchObject({ seeded: true, added: [], renamed: [] });
    expect(Object.keys(await names()).sort()).toEqual(DEMO_USERS.map((u) => u.username).sort());
    const partners = await h.pool.query('SELECT count(*)::int AS n FROM partner_orgs');
    expect(partners.rows[0].n).toBe(demoPartners().length);

    // The demo as it was seeded before: placeholder names, one partner user, fewer partners.
    await h.pool.query(
      `UPDATE users SET display_name = CASE username WHEN 'operator1' THEN 'Айгүл (оператор 1)'
         WHEN 'operator3' THEN 'Operator Three' WHEN 'partner-police-bishkek' THEN 'Police, Bishkek'
         WHEN 'manager' THEN 'Our manager' ELSE display_name END`,
    );
    await h.pool.query("DELETE FROM users WHERE role = 'partner' AND username <> 'partner-police-bishkek'");
    await h.pool.query("DELETE FROM partner_orgs WHERE slug IN ('health-bishkek', 'consulate-moscow')");

    const again = await seedDemo(h.db, TEST_PASSWORD);
    expect(again.seeded).toBe(false);
    expect(again.renamed.sort()).toEqual(['operator1', 'operator3', 'partner-police-bishkek']);
    expect(again.added).toHaveLength(DEMO_USERS.filter((u) => u.partner).length - 1);
    const after = await names();
    expect(after.operator1).toBe('Айгүл Асанова');
    expect(after.operator3).toBe('Елена Смирнова');
    expect(after['partner-police-bishkek']).toBe('Бакыт Осмонов');
    // Renamed by someone: left alone.
    expect(after.manager).toBe('Our manager');
    const health = await h.pool.query(
      `SELECT p.type FROM users u JOIN partner_orgs p ON p.id = u.partner_org_id
        WHERE u.username = 'partner-health-bishkek'`,
    );
    expect(health.rows).toEqual([{ type: 'health' }]);
    const audited = await h.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.display_name_changed'",
    );
    expect(audited.rows[0].n).toBe(3);

    // Idempotent: a third start changes nothing.
    expect(await seedDemo(h.db, TEST_PASSWORD)).toMatchObject({ seeded: false, added: [], renamed: [] });
  });

  it('leaves a database that was not seeded as a demo alone', async () => {
    const other = createDb(await freshDatabase('seed-prod'), { max: 2 });
    try {
      await other.db.insert(schema.users).values({
        username: 'operator1',
        displayName: 'Айгүл (оператор 1)',
        role: 'operator',
        passwordHash: 'x',
      });
      expect(await seedDemo(other.db, TEST_PASSWORD)).toMatchObject({
        seeded: false,
        added: [],
        renamed: [],
      });
      const { rows } = await other.pool.query('SELECT username, display_name FROM users');
      expect(rows).toEqual([{ username: 'operator1', display_name: 'Айгүл (оператор 1)' }]);
    } finally {
      await other.close();
    }
  });
});
