import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for free text at rest (docs/domain.md §9). The key comes from configuration (never the database),
 * with a version stored beside each ciphertext; the record's id and the key version are bound as associated
 * data, so a ciphertext copied onto another record does not decrypt. Layout: iv(12) ‖ tag(16) ‖ ciphertext.
 */
export interface SealKey {
  key: Buffer;
  version: number;
}

/**
 * The notes keyring (docs/security.md "Key rotation"): the current key, which seals, and the older keys still
 * needed to read what was sealed before a rotation (until the re-encryption job has moved it). A keyring is a
 * SealKey (its current key), so everything that takes a SealKey takes a keyring.
 */
export interface SealKeyring extends SealKey {
  /** Older keys by version: read only, never used to seal. */
  readonly older: ReadonlyMap<number, Buffer>;
}

/** An older key as configured (NOTES_ENCRYPTION_KEYS_OLD): its version and its base64. */
export interface OlderSealKey {
  version: number;
  key: string;
}

const keyOf = (base64: string, version: number) => {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`the notes encryption key of version ${version} must be 32 bytes`);
  return key;
};

/** The current key; with `older`, a keyring that also reads what those keys sealed. */
export function sealKeyFrom(base64: string, version: number): SealKey;
export function sealKeyFrom(base64: string, version: number, older: readonly OlderSealKey[]): SealKeyring;
export function sealKeyFrom(
  base64: string,
  version: number,
  older?: readonly OlderSealKey[],
): SealKey | SealKeyring {
  const key = keyOf(base64, version);
  if (older === undefined) return { key, version };
  const ring = new Map<number, Buffer>();
  for (const o of older) {
    if (o.version === version) throw new Error(`old key version ${o.version} is also the current version`);
    if (ring.has(o.version)) throw new Error(`old key version ${o.version} is given twice`);
    ring.set(o.version, keyOf(o.key, o.version));
  }
  return { key, version, older: ring };
}

export const isKeyring = (k: SealKey | SealKeyring): k is SealKeyring => 'older' in k;

/** Every version this key (or keyring) can read, the current one first. */
export function readableVersions(k: SealKey | SealKeyring): number[] {
  return [k.version, ...(isKeyring(k) ? [...k.older.keys()].sort((a, b) => a - b) : [])];
}

const aadOf = (recordId: string, version: number) => Buffer.from(`korgon:${recordId}:v${version}`);

/** Seals under the current key, always (a keyring's older keys only read). */
export function seal(k: SealKey | SealKeyring, recordId: string, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(aadOf(recordId, k.version));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export class UnreadableError extends Error {}

/** Opens text sealed under `version`: the current key's, or (a keyring) any older version it holds. */
export function open(k: SealKey | SealKeyring, recordId: string, sealed: Buffer, version: number): string {
  const key = version === k.version ? k.key : isKeyring(k) ? k.older.get(version) : undefined;
  if (!key)
    throw new UnreadableError(
      `sealed with key version ${version}, configured key${isKeyring(k) ? 's are versions' : ' is version'} ${readableVersions(k).join(', ')}`,
    );
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(aadOf(recordId, version));
  decipher.setAuthTag(sealed.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableError('the ciphertext does not match this record or key');
  }
}

/**
 * Seals again under the current key what an older one sealed (the re-encryption job): the same text, the same
 * record, the current version. Throws UnreadableError when the keyring cannot open it.
 */
export function reseal(k: SealKey | SealKeyring, recordId: string, sealed: Buffer, version: number): Buffer {
  return seal(k, recordId, open(k, recordId, sealed, version));
}

/** The notes keys as a feature's options carry them (NOTES_ENCRYPTION_KEY, NOTES_KEY_VERSION, NOTES_ENCRYPTION_KEYS_OLD). */
export interface NotesKeyOptions {
  notesKey: string;
  notesKeyVersion: number;
  /** The older keys still needed to read; none: the current key alone. */
  notesKeysOld?: readonly OlderSealKey[] | undefined;
}

/** The keyring of a feature's options: seals with the current key, opens every configured version. */
export function notesKeyringOf(o: NotesKeyOptions): SealKeyring {
  return sealKeyFrom(o.notesKey, o.notesKeyVersion, o.notesKeysOld ?? []);
}
