import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4 } from 'node:net';
import type { AllowedNet } from './index';

/** Why a request for /metrics is refused: not from an allowed address (403), or without the token (401). */
export type MetricsRefusal = 'address' | 'token';

/**
 * Who may read /metrics (the server's and the worker's): an address in METRICS_ALLOW, and, when METRICS_TOKEN is
 * set (always in production), `Authorization: Bearer <METRICS_TOKEN>`. Both checks, not either: a reverse proxy
 * on the same host makes every client look like loopback, and the token still holds there.
 */
export function metricsAccess(opts: { token: string | undefined; allow: AllowedNet[] | 'any' }) {
  let list: BlockList | undefined;
  if (opts.allow !== 'any') {
    list = new BlockList();
    for (const net of opts.allow) list.addSubnet(net.address, net.prefix, net.family);
  }
  // Hashes have one length, so comparing them takes the same time whatever was sent.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const want = opts.token === undefined ? undefined : digest(opts.token);
  return (ip: string, authorization: string | undefined): MetricsRefusal | null => {
    if (list) {
      // An IPv4 client of a dual-stack socket is seen as ::ffff:a.b.c.d.
      const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
      let allowed = false;
      try {
        allowed = list.check(v4, isIPv4(v4) ? 'ipv4' : 'ipv6');
      } catch {
        // Not an address at all: refused.
      }
      if (!allowed) return 'address';
    }
    if (want) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), want)) return 'token';
    }
    return null;
  };
}
