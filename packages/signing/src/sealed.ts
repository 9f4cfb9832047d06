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

export function sealKeyFrom(base64: string, version: number): SealKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('the notes encryption key must be 32 bytes');
  return { key, version };
}

const aadOf = (recordId: string, version: number) => Buffer.from(`korgon:${recordId}:v${version}`);

export function seal(k: SealKey, recordId: string, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(aadOf(recordId, k.version));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export class UnreadableError extends Error {}

export function open(k: SealKey, recordId: string, sealed: Buffer, version: number): string {
  if (version !== k.version)
    throw new UnreadableError(`sealed with key version ${version}, configured key is version ${k.version}`);
  const decipher = createDecipheriv('aes-256-gcm', k.key, sealed.subarray(0, 12));
  decipher.setAAD(aadOf(recordId, version));
  decipher.setAuthTag(sealed.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableError('the ciphertext does not match this record or key');
  }
}
