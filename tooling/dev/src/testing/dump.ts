import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * The whole content of a database as text, to search for what must never be stored: pg_dump when a
 * compatible one is on the PATH, and always every row of every table (all schemas) read through SQL.
 */
export async function dumpDatabaseText(url: string): Promise<{ text: string; pgDump: boolean }> {
  let text = '';
  let pgDump = false;
  try {
    const r = await run('pg_dump', ['--no-owner', url], { maxBuffer: 256 * 1024 * 1024 });
    text += r.stdout;
    pgDump = true;
  } catch {
    // no pg_dump, or one older than the server (the embedded PostgreSQL): the SQL read below covers it.
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ schemaname: string; tablename: string }>(
      `SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    for (const { schemaname, tablename } of rows) {
      const table = `${pg.escapeIdentifier(schemaname)}.${pg.escapeIdentifier(tablename)}`;
      const data = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
      text += `\n-- ${table}\n${data.rows.map((r) => r.row).join('\n')}`;
    }
  } finally {
    await client.end();
  }
  return { text, pgDump };
}
