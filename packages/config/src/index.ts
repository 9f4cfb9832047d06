import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

export { type MetricsRefusal, metricsAccess } from './metrics-access';

/** The secrets Korgon needs; each is generated for a local start and required in production. */
export const SECRET_KEYS = [
  'SESSION_SECRET',
  'CALLER_HMAC_KEY',
  'NOTES_ENCRYPTION_KEY',
  'TELEPHONY_SECRET',
  'AUDIT_ANCHOR_KEY',
  'METRICS_TOKEN',
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * Log paths that could carry key material (the variables, and the options objects made from them): redacted by
 * the server's and the worker's loggers, besides their own paths. Nothing logs them on purpose.
 */
export const SECRET_REDACT_PATHS = [
  ...SECRET_KEYS.map((k) => `*.${k}`),
  '*.NOTES_ENCRYPTION_KEYS_OLD',
  '*.CALLER_HMAC_KEYS_OLD',
  '*.notesKey',
  '*.notesKeysOld',
  '*.callerHmacKey',
  '*.callerKeys',
];

const base64Key32 = z
  .string()
  .refine(
    (v) => Buffer.from(v, 'base64').length === 32,
    'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  );
const secret = z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)');

/**
 * Older notes keys, still needed to read what they sealed until the re-encryption job has moved it
 * (docs/security.md "Key rotation"): `<version>:<base64 key>`, comma-separated. Error messages name entries by
 * position and version, never by their key.
 */
const olderNotesKeys = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const keys: { version: number; key: string }[] = [];
    const entries = (value ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    entries.forEach((entry, i) => {
      const m = /^(\d{1,6}):([A-Za-z0-9+/=]+)$/.exec(entry);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} must be <version>:<base64 key>, e.g. 1:<the NOTES_ENCRYPTION_KEY of version 1>; entries are comma-separated`,
        });
        return;
      }
      const version = Number(m[1]);
      if (version < 1 || Buffer.from(m[2] as string, 'base64').length !== 32) {
        ctx.addIssue({
          code: 'custom',
          message:
            version < 1
              ? `entry ${i + 1}: a key version is a whole number from 1`
              : `entry ${i + 1} (version ${version}): the key must be 32 bytes, base64-encoded, as NOTES_ENCRYPTION_KEY was`,
        });
        return;
      }
      if (keys.some((k) => k.version === version))
        ctx.addIssue({ code: 'custom', message: `names version ${version} twice: keep one key per version` });
      keys.push({ version, key: m[2] as string });
    });
    return keys;
  });

/**
 * Older caller HMAC keys, still used to match callers for 90 days after the day they were retired:
 * `<version>:<key>:<YYYY-MM-DD>`, comma-separated.
 */
const olderCallerKeys = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const keys: { version: number; key: string; retiredAt: Date }[] = [];
    const entries = (value ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    entries.forEach((entry, i) => {
      const first = entry.indexOf(':');
      const last = entry.lastIndexOf(':');
      const version = first > 0 ? entry.slice(0, first) : '';
      const key = first > 0 && last > first ? entry.slice(first + 1, last) : '';
      const day = last > first ? entry.slice(last + 1) : '';
      if (!/^\d{1,6}$/.test(version) || Number(version) < 1 || !key || !day) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} must be <version>:<key>:<the day it was retired, YYYY-MM-DD>, e.g. 1:<the old CALLER_HMAC_KEY>:2026-11-01; entries are comma-separated`,
        });
        return;
      }
      const retiredAt = new Date(`${day}T00:00:00Z`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(retiredAt.getTime())) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} (version ${version}): the day it was retired must be a date, YYYY-MM-DD`,
        });
        return;
      }
      if (retiredAt.getTime() > Date.now() + 86_400_000) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} (version ${version}): ${day} is in the future; write the day the key stopped being CALLER_HMAC_KEY (today when rotating now)`,
        });
        return;
      }
      if (key.length < 32) {
        ctx.addIssue({
          code: 'custom',
          message: `entry ${i + 1} (version ${version}): the key must be at least 32 characters, as CALLER_HMAC_KEY was`,
        });
        return;
      }
      if (keys.some((k) => k.version === Number(version)))
        ctx.addIssue({ code: 'custom', message: `names version ${version} twice: keep one key per version` });
      keys.push({ version: Number(version), key, retiredAt });
    });
    return keys;
  });

export const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The address the server listens on; unset: see listenHostOf. */
  HOST: z.string().optional(),
  /**
   * The role the server and the worker connect as: it owns nothing, and may only INSERT into and SELECT from the
   * audit log (docs/deploy.md "Least privilege"), so it cannot rewrite, cut or un-trigger the audit chain.
   */
  DATABASE_URL: z.url().refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL'),
  /**
   * The owner of the tables, for migrations only. When set, the server migrates with it and grants the role of
   * DATABASE_URL what the application needs. When not set, the server migrates as DATABASE_URL if that role owns
   * the tables (a single-role installation: the audit log is then protected by its triggers only), and otherwise
   * leaves the migrations to the owner (`pnpm db:migrate`, the compose service `migrate`).
   */
  DATABASE_MIGRATION_URL: z
    .url()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL')
    .optional(),
  /** Redis carries jobs (BullMQ), live pushes (Socket.IO adapter) and rate limits; PostgreSQL keeps records. */
  REDIS_URL: z.string().refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), 'must be a redis:// or rediss:// URL'),
  /** Every Redis key this installation writes starts with it, so one Redis can serve several (or tests). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
    .default('korgon'),
  PUBLIC_URL: z.url().optional(),
  /** Extra origins allowed to send cookie-authenticated changes, comma-separated. */
  ALLOWED_ORIGINS: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(120),
  /**
   * A wall display's session (docs/board.md) ends this many days after its screen was paired, whatever the
   * activity; it does not idle out while the screen reads its figures (every minute).
   */
  WALL_SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** How often each server checks that its open sockets' sessions are still live (idle, expired, ended). */
  SOCKET_SESSION_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  CONSOLE_DIST: z.string().optional(),
  /** How long an operator stays in after-call work before becoming available again. */
  WRAP_UP_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
  /**
   * The short break offered to an operator after a call assessed critical (operator wellbeing): its length, shown
   * on her desk; when it is over her desk says so (her state does not change by itself).
   */
  BREAK_OFFER_MINUTES: z.coerce.number().int().min(1).max(120).default(10),
  /** The supervisor's alerts (docs/board.md "Alerts"): a call waiting longer than this raises one. */
  ALERT_WAIT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /**
   * An operator in after-call work longer than this raises one. Wrap-up ends by itself after WRAP_UP_SECONDS
   * unless the operator holds it, so this catches the held ones.
   */
  ALERT_WRAP_UP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /**
   * How often the worker looks for alerts that time alone raises or ends (a wait passing its threshold). Changes
   * raise and resolve them at once, without waiting for this.
   */
  ALERT_SWEEP_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  /**
   * A call with no event for this long is closed as lost (no end event seen): waiting (taken by nobody), and
   * answered or taken. Fractions are allowed (tests use seconds).
   */
  CALL_LOST_WAITING_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
  CALL_LOST_ANSWERED_MINUTES: z.coerce
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(240),
  /** SMTP server for e-mail partners (smtp://user:pass@host:port); without it, e-mail deliveries fail clearly. */
  SMTP_URL: z.url().optional(),
  MAIL_FROM: z.string().default('Korgon 5200 <no-reply@korgon.local>'),
  /** Delivery attempts of a referral before it is failed (exponential backoff between them). */
  REFERRAL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(6),
  /** The first wait before a failed job is tried again; each later wait doubles it. */
  JOB_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(2000),
  /** Jobs a worker process runs at once (deliveries are mostly waiting on partners). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  /** How long a running job's lock lasts unrenewed: a killed worker's jobs run again on another after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(15_000),
  /**
   * Partner webhooks go to public https: addresses only. These let a closed network or a test reach plain
   * http: and loopback, private or link-local addresses (never in a production that partners use over the
   * internet): they would let an admin's typo, or a stolen admin session, point deliveries at internal systems.
   */
  PARTNER_WEBHOOK_ALLOW_HTTP: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  PARTNER_WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** How long a partner's webhook may take to answer. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** The demo's simulated PBX (pnpm start): on unless "off". */
  KORGON_SIMULATOR: z.enum(['on', 'off']).default('on'),
  /** The demo's year of synthetic history (pnpm start): seeded once unless "off". */
  KORGON_DEMO_HISTORY: z.enum(['on', 'off']).default('on'),
  /** How long after its last console closes an operator turns offline. */
  OFFLINE_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** The board's service level: the share of calls answered within this many seconds (docs/board.md). */
  BOARD_SERVICE_LEVEL_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  /**
   * When shifts change, Asia/Bishkek time, comma-separated (docs/board.md): "08:00,20:00" is a day shift and a
   * night shift. The board's shift figures are over the shift that contains now.
   */
  BOARD_SHIFTS: z
    .string()
    .regex(
      /^\s*([01]\d|2[0-3]):[0-5]\d\s*(,\s*([01]\d|2[0-3]):[0-5]\d\s*)*$/,
      'must be shift start times, HH:MM in Asia/Bishkek, comma-separated, e.g. 08:00,20:00',
    )
    .default('08:00,20:00')
    .transform((v) => [...new Set(v.split(',').map((t) => t.trim()))].sort()),
  /** Days before a temporary protection order (30 days) expires that its check-in follow-up call is due. */
  FOLLOW_UP_ORDER_CHECKIN_DAYS: z.coerce.number().int().min(1).max(29).default(5),
  /**
   * Statistics' disclosure control (docs/statistics.md): k, the smallest count published besides 0. Never below 3
   * (MIN_CELL_FLOOR in packages/domain/src/statistics/schemas.ts): a smaller k would publish counts that point at
   * a caller, so such a setting stops the start rather than being quietly raised.
   */
  STATISTICS_MIN_CELL: z.coerce
    .number()
    .int('must be a whole number')
    .min(3, 'must be at least 3: smaller counts could point at a caller (docs/statistics.md)')
    .max(1000)
    .default(10),
  /**
   * Where statistics export files are written (docs/statistics.md "Exports"): read by the servers for downloads
   * and written by the worker, so in production a directory both see (a shared volume), backed up like the
   * database or not at all (files can be made again). Default: <repo>/var/exports.
   */
  EXPORTS_DIR: z.string().min(1).optional(),
  /** Days an export's file is kept before the retention job removes it (its row stays, as expired). */
  EXPORTS_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  SESSION_SECRET: secret,
  CALLER_HMAC_KEY: secret,
  /** Recorded with each caller hash; raised by one at each rotation of CALLER_HMAC_KEY (docs/security.md "Key rotation"). */
  CALLER_HMAC_KEY_VERSION: z.coerce.number().int().positive().max(999_999).default(1),
  /** The caller HMAC keys rotated out, with the day each was retired: `<version>:<key>:<YYYY-MM-DD>,…`. */
  CALLER_HMAC_KEYS_OLD: olderCallerKeys,
  NOTES_ENCRYPTION_KEY: base64Key32,
  /** Recorded with each sealed text; raised by one at each rotation of NOTES_ENCRYPTION_KEY. */
  NOTES_KEY_VERSION: z.coerce.number().int().positive().max(999_999).default(1),
  /** The notes keys rotated out, still needed to read until re-encryption moved their text: `<version>:<base64>,…`. */
  NOTES_ENCRYPTION_KEYS_OLD: olderNotesKeys,
  TELEPHONY_SECRET: secret,
  /**
   * Signs the audit chain's checkpoints (docs/deploy.md "Audit anchors"). Kept outside the database, so that
   * whoever can rewrite the database cannot forge a checkpoint.
   */
  AUDIT_ANCHOR_KEY: secret,
  /**
   * Where the worker appends the signed checkpoints of the audit chain, and where `pnpm audit:verify` reads them.
   * In production a volume that the database's administrators cannot write, copied off the host. Default:
   * <repo>/var/audit-anchors.
   */
  AUDIT_ANCHOR_DIR: z.string().min(1).optional(),
  /**
   * Where `pnpm db:backup` writes its backups and its success record (last-backup.json), which the worker reads
   * for korgon_backup_last_success_timestamp_seconds (docs/operations.md "Backups"). Default: <repo>/var/backups.
   */
  BACKUP_DIR: z.string().min(1).optional(),
  /**
   * What Prometheus sends (`Authorization: Bearer …`) to read GET /metrics (docs/operations.md "Metrics"). Required
   * in production; without it (a local start, a test) the address allow-list alone guards /metrics.
   */
  METRICS_TOKEN: secret.optional(),
  /**
   * Addresses allowed to read /metrics, comma-separated IPs or CIDR blocks (10.0.0.0/8), or `any`. Checked as well
   * as the token, not instead of it. Default: loopback only. With TRUST_PROXY=true the address is the one the
   * proxy reports (X-Forwarded-For), which a client can forge: the token is the guard that holds.
   */
  METRICS_ALLOW: z
    .string()
    .default('127.0.0.0/8,::1/128')
    .refine(
      (v) => metricsAllowOf(v) !== null,
      'must be `any` or IP addresses and CIDR blocks, comma-separated (e.g. 127.0.0.1,10.0.0.0/8)',
    ),
  /**
   * When set, the worker serves its own GET /metrics (job durations, its push lag, process figures) on this
   * port, guarded like the server's (METRICS_TOKEN, METRICS_ALLOW). Unset: the worker serves no HTTP.
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** The address the worker's /metrics listens on; 0.0.0.0 when Prometheus runs in another container. */
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
});
export type Env = z.infer<typeof Env>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Korgon cannot start, the configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses an environment, naming every bad or missing key in one error. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const env = { ...source };
  for (const k of Object.keys(env)) if (env[k] === '') delete env[k];
  const problems: string[] = [];
  if (env.NODE_ENV === 'production') {
    for (const key of SECRET_KEYS)
      if (!env[key]) problems.push(`${key} is required in production and is not set`);
  }
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      const msg = `${key} ${env[key] === undefined ? 'is required and is not set' : issue.message}`;
      if (!problems.some((p) => p.startsWith(`${key} `))) problems.push(msg);
    }
  }
  if (parsed.success) problems.push(...keyringProblems(parsed.data));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** A rotation's usual slips (docs/security.md "Key rotation"), caught before anything is sealed or hashed. */
function keyringProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const o of env.NOTES_ENCRYPTION_KEYS_OLD) {
    if (o.version === env.NOTES_KEY_VERSION)
      problems.push(
        `NOTES_ENCRYPTION_KEYS_OLD names version ${o.version}, which is NOTES_KEY_VERSION (the current key): give the new key the next version, and list only the keys it replaced`,
      );
    else if (Buffer.from(o.key, 'base64').equals(Buffer.from(env.NOTES_ENCRYPTION_KEY, 'base64')))
      problems.push(
        `NOTES_ENCRYPTION_KEYS_OLD holds the current NOTES_ENCRYPTION_KEY as version ${o.version}: generate a new key for NOTES_ENCRYPTION_KEY (openssl rand -base64 32)`,
      );
  }
  for (const o of env.CALLER_HMAC_KEYS_OLD) {
    if (o.version === env.CALLER_HMAC_KEY_VERSION)
      problems.push(
        `CALLER_HMAC_KEYS_OLD names version ${o.version}, which is CALLER_HMAC_KEY_VERSION (the current key): give the new key the next version, and list only the keys it replaced`,
      );
    else if (o.key === env.CALLER_HMAC_KEY)
      problems.push(
        `CALLER_HMAC_KEYS_OLD holds the current CALLER_HMAC_KEY as version ${o.version}: generate a new key for CALLER_HMAC_KEY (openssl rand -base64 32)`,
      );
  }
  return problems;
}

export function publicUrlOf(env: Env): string {
  return (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
}

/**
 * HOST when set; otherwise every interface in production (behind its proxy, docs/deploy.md) and only this
 * machine elsewhere: a local start prints a demo password, which must not open the server to the network.
 */
export function listenHostOf(env: Pick<Env, 'HOST' | 'NODE_ENV'>): string {
  return env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
}

export function allowedOriginsOf(env: Env): string[] {
  const extra = env.ALLOWED_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set([new URL(publicUrlOf(env)).origin, ...extra.map((o) => new URL(o).origin)])];
}

/** One entry of METRICS_ALLOW: an address and its prefix length. */
export interface AllowedNet {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * METRICS_ALLOW parsed: null when not valid, 'any', or the networks (a bare address is a /32 or /128).
 */
export function metricsAllowOf(value: string): AllowedNet[] | 'any' | null {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 1 && items[0]?.toLowerCase() === 'any') return 'any';
  const nets: AllowedNet[] = [];
  for (const item of items) {
    const [address = '', bits, ...rest] = item.split('/');
    const version = isIP(address);
    if (version === 0 || rest.length > 0) return null;
    const max = version === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!/^\d{1,3}$/.test(bits ?? String(max)) || prefix > max) return null;
    nets.push({ address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
  }
  return nets.length > 0 ? nets : null;
}

/** AUDIT_ANCHOR_DIR, or <repo>/var/audit-anchors. */
export function auditAnchorDirOf(dir: string | undefined, root = findRepoRoot()): string {
  return resolve(dir ?? resolve(root, 'var/audit-anchors'));
}

/** BACKUP_DIR, or <repo>/var/backups. */
export function backupDirOf(dir: string | undefined, root = findRepoRoot()): string {
  return resolve(dir ?? resolve(root, 'var/backups'));
}

/** The record of the last successful backup, in BACKUP_DIR: written by `pnpm db:backup`, read by the worker. */
export const BACKUP_STATUS_FILE = 'last-backup.json';

export function generateSecret(): string {
  return randomBytes(32).toString('base64');
}

/** The ignored file where a local start keeps its generated secrets (and the demo password). */
export function localEnvPath(root = findRepoRoot()): string {
  return resolve(root, '.env.local');
}

export function findRepoRoot(from = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(resolve(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) return resolve(from);
    dir = parent;
  }
}

export function readLocalEnv(path = localEnvPath()): Record<string, string> {
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}

/**
 * For a local (non-production) start: make sure every secret exists, generating the missing ones once into
 * `.env.local`. Returns the values to merge into the environment. Production never calls this.
 */
export function ensureLocalSecrets(
  extra: Record<string, () => string> = {},
  path = localEnvPath(),
): Record<string, string> {
  const current = readLocalEnv(path);
  const wanted: Record<string, () => string> = {
    ...Object.fromEntries(SECRET_KEYS.map((k) => [k, generateSecret])),
    ...extra,
  };
  const added: string[] = [];
  for (const [key, make] of Object.entries(wanted)) {
    if (!current[key] && !process.env[key]) {
      current[key] = make();
      added.push(key);
    }
  }
  if (added.length > 0) {
    const body = Object.entries(current)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    writeFileSync(
      path,
      `# Generated by Korgon for local use. Never commit this file; production sets these in its environment.\n${body}\n`,
      { mode: 0o600 },
    );
  }
  return current;
}

/**
 * Loads the configuration of a process: the environment, plus (outside production) `.env.local` for the
 * secrets a local start generated. Nothing else in an app reads process.env.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const local = source.NODE_ENV === 'production' ? {} : readLocalEnv();
  return parseEnv({ ...local, ...source });
}
