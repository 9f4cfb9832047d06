import { E164 } from '@korgon/domain';

/**
 * A caller id as Asterisk reports it (CallerIDNum) to E.164, reading it as Kyrgyz when it has no country code:
 *   0555123456 (national, trunk prefix 0)  → +996555123456
 *   555123456  (9-digit national number)  → +996555123456
 *   996555123456 / 00996555123456          → +996555123456
 *   +77011234567 (already international)  → as is
 * Anything else (`anonymous`, `<unknown>`, an internal extension, letters) gives undefined: no callerNumber.
 */
export function toE164(callerIdNum: string | undefined): string | undefined {
  if (!callerIdNum) return undefined;
  const s = callerIdNum.trim().replace(/[\s\-().]/g, '');
  let candidate: string | undefined;
  if (/^\+\d+$/.test(s)) candidate = s;
  else if (/^00\d+$/.test(s)) candidate = `+${s.slice(2)}`;
  else if (/^996\d{9}$/.test(s)) candidate = `+${s}`;
  else if (/^0\d{9}$/.test(s)) candidate = `+996${s.slice(1)}`;
  else if (/^\d{9}$/.test(s)) candidate = `+996${s}`;
  return candidate !== undefined && E164.safeParse(candidate).success ? candidate : undefined;
}

/** What Korgon accepts as an extension: 1 to 32 characters, no spaces or angle brackets (`<unknown>`). */
const EXTENSION = /^[\w.+*#-]{1,32}$/;

export function asExtension(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v !== undefined && EXTENSION.test(v) ? v : undefined;
}

/**
 * The extension in a queue member interface: `PJSIP/101`, `SIP/101`, `IAX2/101`, `Local/101@from-queue/n`,
 * `Agent/101`. Undefined when the resource is not extension-like.
 */
export function extensionFromInterface(iface: string | undefined): string | undefined {
  const match = iface?.trim().match(/^[A-Za-z0-9_]+\/([^@/]+)/);
  return asExtension(match?.[1]);
}

/**
 * The extension in a channel name: `PJSIP/101-0000002a`, `SIP/101-00000031`, `Local/105@from-queue-00000007;1`.
 * The channel suffix (`-` and 8 hex digits, and `;1`/`;2` for Local halves) is removed first.
 */
export function extensionFromChannel(channel: string | undefined): string | undefined {
  if (!channel) return undefined;
  const iface = channel
    .trim()
    .replace(/;\d$/, '')
    .replace(/-[0-9a-f]{8}$/i, '');
  return extensionFromInterface(iface);
}

/** The first argument that is a usable extension. */
export function firstExtension(...candidates: (string | undefined)[]): string | undefined {
  for (const c of candidates) {
    const ext = asExtension(c);
    if (ext !== undefined) return ext;
  }
  return undefined;
}
