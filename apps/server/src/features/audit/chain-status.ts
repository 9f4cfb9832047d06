import {
  auditAnchorSignatureValid,
  readAuditAnchors,
  verifyAuditAnchors,
  verifyAuditChain,
} from '@korgon/db';
import type { AuditAnchorStatus, AuditChainVerdict, AuditStatus } from '@korgon/domain';
import type pg from 'pg';
import { createAuditRepository } from './repository';

/** The last verified entry, kept between requests. */
interface Verified {
  id: number;
  hash: string;
  at: string;
  entries: number;
}

type Walk = { known: Known; mode: 'full' | 'incremental'; checkedNow: number };

interface Known {
  /** Null while the log is empty. */
  verified: Verified | null;
  /** Set once a walk found a broken link: it stays until a full walk finds the chain whole again. */
  broken: { brokenAt: number; reason: string; entries: number } | null;
  checkedAt: Date;
  fullCheckAt: Date;
}

/**
 * The audit chain's verification for the viewer, kept in memory. Walking the whole chain re-hashes every entry
 * (about 2 s for 200,000 entries), so it is done at the first request after a start, when an administrator asks
 * for it (`full`) and once the last full walk is older than `fullEveryMs`; in between, a request re-hashes only
 * the entries added since the last verified one, after checking that this one still carries the hash it was
 * verified with. Entries altered below that point are found by the next full walk, and an anchored entry
 * rewritten or cut by the checkpoints' check, which runs on every request.
 *
 * One walk at a time: concurrent requests share it.
 */
export function createChainStatus(opts: {
  pool: pg.Pool;
  anchorDir: string;
  anchorKey: string;
  fullEveryMs?: number;
  now?: () => Date;
}) {
  const fullEveryMs = opts.fullEveryMs ?? 60 * 60_000;
  const now = opts.now ?? (() => new Date());
  const repo = createAuditRepository(opts.pool);
  let known: Known | null = null;
  let running: { walk: Promise<Walk> } | null = null;

  async function timeOf(id: number): Promise<string> {
    return ((await repo.entry(id))?.at ?? new Date(0)).toISOString();
  }

  async function full(): Promise<Walk> {
    const started = now();
    const v = await verifyAuditChain(opts.pool);
    const k: Known = v.ok
      ? {
          verified:
            v.lastId !== null && v.lastHash !== null
              ? { id: v.lastId, hash: v.lastHash, at: await timeOf(v.lastId), entries: v.rows }
              : null,
          broken: null,
          checkedAt: started,
          fullCheckAt: started,
        }
      : {
          verified: known?.verified ?? null,
          broken: { brokenAt: v.brokenAt, reason: v.reason, entries: v.rows },
          checkedAt: started,
          fullCheckAt: started,
        };
    return { known: k, mode: 'full', checkedNow: v.ok ? v.rows : v.rows + 1 };
  }

  async function incremental(k: Known & { verified: Verified }): Promise<Walk> {
    const started = now();
    // The last verified entry is gone or carries another hash: the chain was cut or rewritten; find where.
    if ((await repo.entry(k.verified.id))?.hash !== k.verified.hash) return full();
    const v = await verifyAuditChain(opts.pool, 5000, { id: k.verified.id, hash: k.verified.hash });
    if (!v.ok)
      return {
        known: {
          ...k,
          broken: { brokenAt: v.brokenAt, reason: v.reason, entries: k.verified.entries + v.rows },
          checkedAt: started,
        },
        mode: 'incremental',
        checkedNow: v.rows + 1,
      };
    const verified =
      v.lastId !== null && v.lastId !== k.verified.id && v.lastHash !== null
        ? { id: v.lastId, hash: v.lastHash, at: await timeOf(v.lastId), entries: k.verified.entries + v.rows }
        : k.verified;
    return { known: { ...k, verified, checkedAt: started }, mode: 'incremental', checkedNow: v.rows };
  }

  function walk(wantFull: boolean): Promise<Walk> {
    const k = known;
    if (wantFull || !k || now().getTime() - k.fullCheckAt.getTime() >= fullEveryMs) return full();
    // A broken chain stays broken (entries are only appended): said again until the next full walk.
    if (k.broken) return Promise.resolve({ known: k, mode: 'incremental', checkedNow: 0 });
    if (!k.verified) return full();
    return incremental({ ...k, verified: k.verified });
  }

  async function anchorStatus(): Promise<AuditAnchorStatus> {
    const file = await readAuditAnchors(opts.anchorDir);
    const verdict = await verifyAuditAnchors(opts.pool, file, opts.anchorKey);
    const latest = file.anchors.reduce<(typeof file.anchors)[number] | null>(
      // The highest entry; of two for the same entry, the one written later.
      (a, b) => (!a || b.id >= a.id ? b : a),
      null,
    );
    let latestStatus: AuditAnchorStatus['latest'] = null;
    if (latest) {
      const entry = await repo.entry(latest.id);
      latestStatus = {
        id: latest.id,
        hash: latest.hash,
        at: new Date(latest.at).toISOString(),
        signatureValid: auditAnchorSignatureValid(opts.anchorKey, latest),
        matchesChain: entry?.hash === latest.hash,
      };
    }
    return {
      count: file.anchors.length,
      ok: verdict.ok,
      problem: verdict.ok ? null : verdict.reason,
      latest: latestStatus,
    };
  }

  return {
    /** The chain's verdict (incremental unless `full` or due) and the checkpoints' check. */
    async status(wantFull = false): Promise<AuditStatus> {
      // A walk under way answers every request that waits for it, unless it adds only the new entries and a
      // full one is asked for: that one waits, then walks the whole chain.
      while (running) {
        const current = running;
        const r = await current.walk.catch(() => null);
        if (r && (r.mode === 'full' || !wantFull)) return present(r);
        if (running === current) running = null;
      }
      const mine = { walk: walk(wantFull) };
      running = mine;
      try {
        const r = await mine.walk;
        known = r.known;
        return present(r);
      } finally {
        if (running === mine) running = null;
      }
    },
  };

  async function present(r: Walk): Promise<AuditStatus> {
    const k = r.known;
    const chain: AuditChainVerdict = k.broken
      ? { ok: false, brokenAt: k.broken.brokenAt, reason: k.broken.reason, entries: k.broken.entries }
      : {
          ok: true,
          verifiedUpTo: k.verified?.id ?? null,
          verifiedUpToAt: k.verified?.at ?? null,
          entries: k.verified?.entries ?? 0,
        };
    return {
      chain,
      checkedAt: k.checkedAt.toISOString(),
      fullCheckAt: k.fullCheckAt.toISOString(),
      mode: r.mode,
      checkedNow: r.checkedNow,
      anchors: await anchorStatus(),
    };
  }
}
export type ChainStatus = ReturnType<typeof createChainStatus>;
