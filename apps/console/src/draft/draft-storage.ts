import { Answer, ConsultationData, ConsultationSecret } from '@korgon/domain';
import { z } from 'zod';

/**
 * What this device keeps of a consultation until the server has it: one localStorage entry per record,
 * written on every change. Free text is sensitive, so an entry is removed once the record is final, and
 * entries the server already holds are removed at sign-out (see clearSavedDrafts).
 */
const PREFIX = 'korgon.consultation.';

/** Risk answers not yet saved as an assessment. */
export const RiskDraft = z.object({
  methodologyId: z.string(),
  version: z.string(),
  answers: z.record(z.string(), Answer),
  override: z.object({ level: z.string(), reason: z.string() }).nullable(),
});
export type RiskDraft = z.infer<typeof RiskDraft>;

export const StoredDraft = z.object({
  v: z.literal(1),
  id: z.string(),
  /** Only the user who typed it gets it back. */
  userId: z.string(),
  channel: z.string(),
  callId: z.string().nullable(),
  /** The server revision these changes were made on (0: not on the server yet). */
  baseRevision: z.number().int().min(0),
  taxonomyVersion: z.string().nullable(),
  data: ConsultationData,
  secret: ConsultationSecret,
  /** Changes the server has not confirmed yet. */
  dirty: z.boolean(),
  risk: RiskDraft.nullable().default(null),
  /** When this device last wrote it (ISO). */
  keptAt: z.string(),
});
export type StoredDraft = z.infer<typeof StoredDraft>;

const keyOf = (id: string) => `${PREFIX}${id}`;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function readDraft(id: string, userId: string): StoredDraft | null {
  const raw = storage()?.getItem(keyOf(id));
  if (!raw) return null;
  try {
    const parsed = StoredDraft.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.userId === userId ? parsed.data : null;
  } catch {
    return null;
  }
}

/** False when the device refused (storage full or disabled): the page then says the change is not kept here. */
export function writeDraft(entry: StoredDraft): boolean {
  const s = storage();
  if (!s) return false;
  try {
    s.setItem(keyOf(entry.id), JSON.stringify(entry));
    return true;
  } catch {
    return false;
  }
}

export function removeDraft(id: string): void {
  try {
    storage()?.removeItem(keyOf(id));
  } catch {
    // nothing to do: the entry stays until the next attempt
  }
}

function allEntries(): StoredDraft[] {
  const s = storage();
  if (!s) return [];
  const out: StoredDraft[] = [];
  for (let i = 0; i < s.length; i++) {
    const key = s.key(i);
    if (!key?.startsWith(PREFIX)) continue;
    try {
      const parsed = StoredDraft.safeParse(JSON.parse(s.getItem(key) ?? ''));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // not ours to read
    }
  }
  return out;
}

/** The drafts this user has on this device, newest first. */
export function listDrafts(userId: string): StoredDraft[] {
  return allEntries()
    .filter((e) => e.userId === userId)
    .sort((a, b) => (a.keptAt < b.keptAt ? 1 : -1));
}

/**
 * At sign-out: entries the server already holds are removed, so free text does not stay on a shared device
 * longer than needed; entries with unsaved changes stay, for the same user to get back after signing in.
 */
export function clearSavedDrafts(): void {
  for (const entry of allEntries()) if (!entry.dirty && !entry.risk) removeDraft(entry.id);
}

/** A new consultation without a call, kept here until its first save creates it on the server. */
export function startLocalDraft(userId: string, channel: string): string {
  const id = crypto.randomUUID();
  writeDraft({
    v: 1,
    id,
    userId,
    channel,
    callId: null,
    baseRevision: 0,
    taxonomyVersion: null,
    data: ConsultationData.parse({}),
    secret: ConsultationSecret.parse({}),
    dirty: true,
    risk: null,
    keptAt: new Date().toISOString(),
  });
  return id;
}
