/**
 * The migration policy (docs/operations.md "Migrations while the old version serves"): a migration must work
 * with the previous release still running on the migrated database, because during a rolling upgrade (two
 * servers replaced one at a time, docs/deploy.md "Scaling") and for the seconds of a plain one the old code reads
 * and writes the new schema. So a release only adds (tables, nullable columns or columns with a default,
 * indexes); what it stops using is removed by a later release, the cleanup, once no running version uses it.
 *
 * A migration that removes, renames or narrows something is a cleanup and must say so with a marker line naming
 * the release it cleans up after, the last release that used what it removes:
 *
 *   -- cleanup-release: 2026.12 (the column calls.old_note, unused since 2026.12)
 *
 * Migrations up to 0022 predate the policy and are not checked.
 */

/** The last migration written before the policy; later ones are checked. */
export const MIGRATION_POLICY_AFTER = 22;

export const CLEANUP_MARKER = /^--[ \t]*cleanup-release:[ \t]*(\S+)/m;

export interface PolicyViolation {
  /** What the old version would trip on. */
  rule: string;
  /** The statement, shortened. */
  statement: string;
}

const RULES: { rule: string; test: (s: string, all: string) => boolean }[] = [
  {
    rule: 'DROP TABLE (the old version still reads and writes it)',
    test: (s) => /\bDROP\s+TABLE\b/i.test(s),
  },
  {
    rule: 'DROP COLUMN (the old version still reads and writes it)',
    test: (s) => /\bDROP\s+COLUMN\b/i.test(s),
  },
  {
    rule: 'RENAME (the old version still uses the old name)',
    test: (s) => /\bRENAME\b/i.test(s),
  },
  {
    rule: 'ALTER COLUMN … TYPE (the old version writes and reads the old type)',
    test: (s) => /\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b/i.test(s),
  },
  {
    rule: 'SET NOT NULL without a default (the old version inserts rows without the column)',
    test: (s, all) => {
      const m = /\bALTER\s+COLUMN\s+("[^"]+"|\w+)\s+SET\s+NOT\s+NULL\b/i.exec(s);
      if (!m?.[1]) return false;
      const column = m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return !new RegExp(`\\bALTER\\s+COLUMN\\s+${column}\\s+SET\\s+DEFAULT\\b`, 'i').test(all);
    },
  },
  {
    rule: 'ADD COLUMN … NOT NULL without a default (the old version inserts rows without the column)',
    test: (s) => /\bADD\s+COLUMN\b/i.test(s) && /\bNOT\s+NULL\b/i.test(s) && !/\bDEFAULT\b/i.test(s),
  },
];

/** The SQL without comments (-- to the end of a line, and /* … *\/), split into statements. */
function statementsOf(sql: string): string[] {
  const bare = sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
  return bare
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/**
 * What in a migration's text would break the previous release while it still serves: none when the file carries
 * a cleanup marker naming a release.
 */
export function migrationPolicyViolations(sql: string): PolicyViolation[] {
  if (CLEANUP_MARKER.test(sql)) return [];
  const statements = statementsOf(sql);
  const all = statements.join(';\n');
  const out: PolicyViolation[] = [];
  for (const s of statements)
    for (const r of RULES)
      if (r.test(s, all)) out.push({ rule: r.rule, statement: s.length > 160 ? `${s.slice(0, 157)}…` : s });
  return out;
}

/** The number of a migration file (0023_name.sql → 23), or null for another file. */
export function migrationNumber(file: string): number | null {
  const m = /^(\d{4})_.*\.sql$/.exec(file);
  return m?.[1] ? Number(m[1]) : null;
}
