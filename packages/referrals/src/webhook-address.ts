import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What an installation allows partner webhooks to point at (PARTNER_WEBHOOK_ALLOW_*). */
export interface WebhookPolicy {
  /** Plain http: (a partner's test system on a closed network). Off in production: https only. */
  allowHttp: boolean;
  /** Loopback, private, link-local and other non-public addresses (tests, a partner inside the same network). */
  allowPrivate: boolean;
}

export const STRICT_WEBHOOKS: WebhookPolicy = { allowHttp: false, allowPrivate: false };

/** Why an address may not be reached, or null: only public unicast addresses unless the policy says so. */
export function addressRefusal(address: string, policy: WebhookPolicy): string | null {
  if (policy.allowPrivate) return null;
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as IPv4.
  const range = ipaddr.process(address).range();
  return range === 'unicast'
    ? null
    : `it leads to a ${range} address (${address}), which a partner's webhook may not use`;
}

/**
 * Checks a partner's webhook URL against the policy, resolving its host name: the scheme (https, or http when
 * allowed) and every address the name resolves to (no loopback, private, link-local or metadata addresses
 * unless allowed). Returns the reason it is refused, for a person to act on, or null. Used when an admin sets
 * the URL and again before every delivery (a name can change what it points at).
 */
export async function webhookUrlRefusal(url: string, policy: WebhookPolicy): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && policy.allowHttp))
    return policy.allowHttp
      ? 'only https: and http: addresses are allowed'
      : 'only https: addresses are allowed';
  if (u.username || u.password) return 'it may not carry a user name or password';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return addressRefusal(host, policy);
  if (policy.allowPrivate) return null;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return `its host name ${host} does not resolve`;
  }
  for (const { address } of addresses) {
    const refused = addressRefusal(address, policy);
    if (refused) return refused;
  }
  return null;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the sockets that deliver webhooks (undici's `connect.lookup`): it resolves as Node does and
 * refuses an address the policy forbids, so that a name which resolved to a public address when it was checked
 * cannot lead the connection itself to an internal one (DNS rebinding).
 */
export function guardedLookup(policy: WebhookPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', undefined);
      for (const { address } of addresses) {
        const refused = addressRefusal(address, policy);
        if (refused)
          return callback(
            Object.assign(new Error(`refused: ${refused}`), { code: 'EKORGONREFUSED' }),
            '',
            undefined,
          );
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}
