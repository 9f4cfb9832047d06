import { createHmac, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from './queryable';

/**
 * Signed checkpoints of the audit chain's head, kept outside the database (docs/deploy.md "Audit anchors").
 *
 * The hash chain shows a row changed in place, but not a chain cut from its end, nor one rewritten from some row
 * on with every later hash recomputed by `audit_log_row_hash` (the database's own function): whoever can write
 * the table can do both. A checkpoint {id, hash, at} of the head, signed with AUDIT_ANCHOR_KEY (which is not in
 * the database) and written where the database's administrators cannot write, shows both: after a cut the
 * anchored row is gone (the head is below it), after a rewrite its hash differs.
 *
 * The checkpoints are lines of one JSON-lines file, appended to and never rewritten: one file is easy to make
 * append-only (`chattr +a`), to ship off the host as it grows (a log shipper, `tail -F`, rsync --append) and to
 * read; a year of hourly checkpoints is about 1.5 MB. Each line is written with one append (O_APPEND), so two
 * writers never interleave; a line torn by a crash is the last one, without its newline, and is skipped.
 */
export interface AuditAnchor {
  /** The id of the chain's head when the checkpoint was taken. */
  id: number;
  /** Its hash. */
  hash: string;
  /** When the checkpoint was taken (ISO 8601). */
  at: string;
  /** HMAC-SHA256 of the three, hex, under AUDIT_ANCHOR_KEY. */
  sig: string;
}

export const AUDIT_ANCHOR_FILE = 'audit-anchors.jsonl';

function signatureOf(key: string, a: Pick<AuditAnchor, 'id' | 'hash' | 'at'>): string {
  // A fixed, versioned layout: JSON key order cannot change what is signed.
  return createHmac('sha256', key)
    .update(`korgon-audit-anchor/v1\n${a.id}\n${a.hash}\n${a.at}`)
    .digest('hex');
}

export function signAuditAnchor(key: string, a: Pick<AuditAnchor, 'id' | 'hash' | 'at'>): AuditAnchor {
  return { id: a.id, hash: a.hash, at: a.at, sig: signatureOf(key, a) };
}

export function auditAnchorSignatureValid(key: string, a: AuditAnchor): boolean {
  const want = Buffer.from(signatureOf(key, a), 'hex');
  const got = Buffer.from(a.sig, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The chain's head: its newest row, or null while the log is empty. */
export async function auditChainHead(q: Queryable): Promise<{ id: number; hash: string } | null> {
  const { rows } = await q.query<{ id: string | number; hash: string }>(
    'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1',
  );
  const r = rows[0];
  return r ? { id: Number(r.id), hash: r.hash } : null;
}

/**
 * Takes a checkpoint of the chain's head and appends it to `<dir>/audit-anchors.jsonl`. Returns it, or null
 * when the log is empty (there is nothing to anchor yet).
 */
export async function writeAuditAnchor(
  q: Queryable,
  opts: { dir: string; key: string; now?: Date },
): Promise<AuditAnchor | null> {
  const head = await auditChainHead(q);
  if (!head) return null;
  const anchor = signAuditAnchor(opts.key, { ...head, at: (opts.now ?? new Date()).toISOString() });
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  // O_APPEND without O_TRUNC: the file is only ever added to, never rewritten, even by this process.
  const file = await open(
    join(opts.dir, AUDIT_ANCHOR_FILE),
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
    0o600,
  );
  try {
    await file.write(`${JSON.stringify(anchor)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  return anchor;
}

export interface AnchorFile {
  anchors: AuditAnchor[];
  /** Lines that are not a checkpoint (each fails the check), with their line numbers. */
  bad: { line: number; reason: string }[];
  /** A last line without its newline (a write cut by a crash): skipped, and said. */
  torn: boolean;
}

function parseAnchor(text: string): AuditAnchor | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'not an object';
  const a = v as Record<string, unknown>;
  if (typeof a.id !== 'number' || !Number.isSafeInteger(a.id) || a.id < 1) return 'no valid id';
  if (typeof a.hash !== 'string' || !/^[0-9a-f]{64}$/.test(a.hash)) return 'no valid hash';
  if (typeof a.at !== 'string' || Number.isNaN(Date.parse(a.at))) return 'no valid time';
  if (typeof a.sig !== 'string' || !/^[0-9a-f]{64}$/.test(a.sig)) return 'no valid signature';
  return { id: a.id, hash: a.hash, at: a.at, sig: a.sig };
}

/** Reads `<dir>/audit-anchors.jsonl`; no file is no checkpoints. */
export async function readAuditAnchors(dir: string): Promise<AnchorFile> {
  const text = await readFile(join(dir, AUDIT_ANCHOR_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const lines = text.split('\n');
  // The last element is what follows the last newline: '' when every line is complete, else a torn line.
  const torn = lines[lines.length - 1] !== '';
  const complete = lines.slice(0, -1);
  const out: AnchorFile = { anchors: [], bad: [], torn };
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    const a = parseAnchor(line);
    if (typeof a === 'string') out.bad.push({ line: i + 1, reason: a });
    else out.anchors.push(a);
  });
  return out;
}

export type AnchorVerdict =
  | { ok: true; anchors: number; latest: AuditAnchor | null }
  | { ok: false; anchors: number; reason: string };

/**
 * Checks the database against the checkpoints: every checkpoint carries a valid signature, the row it names
 * still exists with the hash it recorded (a rewritten and re-hashed chain changes it), and the chain's head is
 * not below the latest checkpoint (entries were cut from its end). Stops at the first failure.
 */
export async function verifyAuditAnchors(
  q: Queryable,
  file: AnchorFile,
  key: string,
): Promise<AnchorVerdict> {
  const n = file.anchors.length;
  const bad = file.bad[0];
  if (bad)
    return {
      ok: false,
      anchors: n,
      reason: `line ${bad.line} of the checkpoint file is not a checkpoint (${bad.reason})`,
    };
  let latest: AuditAnchor | null = null;
  for (const a of file.anchors) {
    if (!auditAnchorSignatureValid(key, a))
      return {
        ok: false,
        anchors: n,
        reason: `the checkpoint of entry ${a.id} taken at ${a.at} has a bad signature (forged or altered, or AUDIT_ANCHOR_KEY is not the key that signed it)`,
      };
    if (!latest || a.id > latest.id) latest = a;
  }
  if (!latest) return { ok: true, anchors: 0, latest: null };
  const head = await auditChainHead(q);
  if (!head || head.id < latest.id)
    return {
      ok: false,
      anchors: n,
      reason: `the chain ends at entry ${head?.id ?? 0}, below the checkpoint of entry ${latest.id} taken at ${latest.at}: entries were cut from its end`,
    };
  const ids = [...new Set(file.anchors.map((a) => a.id))];
  const { rows } = await q.query<{ id: string | number; hash: string }>(
    'SELECT id, hash FROM audit_log WHERE id = ANY($1::bigint[])',
    [ids],
  );
  const stored = new Map(rows.map((r) => [Number(r.id), r.hash]));
  for (const a of file.anchors) {
    const hash = stored.get(a.id);
    if (hash === undefined)
      return {
        ok: false,
        anchors: n,
        reason: `entry ${a.id}, checkpointed at ${a.at}, is missing from the log: entries were removed`,
      };
    if (hash !== a.hash)
      return {
        ok: false,
        anchors: n,
        reason: `entry ${a.id} no longer has the hash checkpointed at ${a.at}: the chain was rewritten up to it and its hashes recomputed`,
      };
  }
  return { ok: true, anchors: n, latest };
}
