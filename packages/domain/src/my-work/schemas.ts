import { z } from 'zod';

/**
 * Reference numbers (docs/domain.md §4): what people read, say on the phone and quote, instead of UUIDs.
 * `K-2026-000123` is a consultation, `R-2026-000045` a referral; numbered per year (Asia/Bishkek) without
 * gaps by the database when the record is inserted. The server still finds records by their UUID too.
 */
export const REFERENCE_PREFIX = { consultation: 'K', referral: 'R' } as const;
export type ReferenceKind = keyof typeof REFERENCE_PREFIX;

/** What a person may type: any case, spaces or dashes, leading zeros optional ("k 2026 123"). */
const LOOSE_REFERENCE = /^\s*([KkRr])[\s-]*(\d{4})[\s-]*(\d{1,9})\s*$/;

/** The canonical form, as the database writes it (6 digits, more past 999,999). */
export function formatReference(prefix: 'K' | 'R', year: number, n: number): string {
  return `${prefix}-${year}-${String(n).padStart(6, '0')}`;
}

/** A typed reference, read loosely; null when it is not one. */
export function parseReference(input: string): { kind: ReferenceKind; reference: string } | null {
  const m = LOOSE_REFERENCE.exec(input);
  if (!m?.[1] || !m[2] || !m[3]) return null;
  const prefix = m[1].toUpperCase() as 'K' | 'R';
  return {
    kind: prefix === 'K' ? 'consultation' : 'referral',
    reference: formatReference(prefix, Number(m[2]), Number(m[3])),
  };
}

const referenceMessage =
  'A reference looks like K-2026-000123 (a consultation) or R-2026-000045 (a referral).';
export const ReferenceInput = z
  .string()
  .max(40, referenceMessage)
  .regex(LOOSE_REFERENCE, referenceMessage)
  .meta({ description: 'K-2026-000123 or R-2026-000045 (case, spaces and leading zeros do not matter)' });

export const ReferenceParams = z.object({ reference: ReferenceInput });

/** Where a reference leads: the record's UUID and kind (the reader then opens it by id, audited as usual). */
export const ReferenceLookup = z
  .object({
    kind: z.enum(['consultation', 'referral']),
    reference: z.string(),
    id: z.uuid(),
    /** For a referral, the consultation it was made from. */
    consultationId: z.uuid(),
  })
  .meta({ id: 'ReferenceLookup' });
export type ReferenceLookup = z.infer<typeof ReferenceLookup>;

// ── my work ──────────────────────────────────────────────────────────────────────────────────────────────
/** "My last shifts": what the desk lists as recently finalized, today and the two days before (Bishkek). */
export const RECENT_DAYS = 3;
/** Risk levels counted as high-risk calls in the shift summary. */
export const HIGH_RISK_LEVELS: readonly string[] = ['high', 'critical'];

const day = z.iso.date({ message: 'The day must be a date like 2026-03-08.' });

export const MyConsultationsQuery = z
  .object({
    status: z
      .enum(['draft', 'final'], { message: 'status is draft or final' })
      .optional()
      .meta({ description: 'only drafts, or only final records' }),
    day: day.optional().meta({ description: 'made on this day (Asia/Bishkek), YYYY-MM-DD' }),
    recentDays: z.coerce
      .number()
      .int()
      .min(1, 'recentDays is 1 to 31')
      .max(31, 'recentDays is 1 to 31')
      .optional()
      .meta({
        description:
          'finalized (or, for drafts, last saved) within this many days: today and the days before (Asia/Bishkek)',
      }),
    contactKind: z.string().min(1).max(64).optional().meta({ description: 'a taxonomy contact kind id' }),
    riskLevel: z
      .string()
      .min(1)
      .max(32)
      .optional()
      .meta({ description: 'the latest assessed level (low, medium, high, critical), or "none"' }),
    reference: ReferenceInput.optional(),
    page: z.coerce.number().int().min(1, 'page starts at 1').max(10_000).default(1),
    pageSize: z.coerce
      .number()
      .int()
      .min(1, 'pageSize is 1 to 100')
      .max(100, 'pageSize is 1 to 100')
      .default(20),
  })
  .strict();
export type MyConsultationsQuery = z.infer<typeof MyConsultationsQuery>;

/** One of my consultations, as listed: coarse fields only, never free text. */
export const MyConsultation = z
  .object({
    id: z.uuid(),
    reference: z.string(),
    status: z.enum(['draft', 'final']),
    channel: z.string(),
    callId: z.uuid().nullable(),
    revision: z.number().int(),
    contactKind: z.string().nullable(),
    riskLevel: z.string().nullable(),
    referrals: z.number().int(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    finalizedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'MyConsultation' });
export type MyConsultation = z.infer<typeof MyConsultation>;

export const MyConsultationsPage = z
  .object({
    items: z.array(MyConsultation),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .meta({ id: 'MyConsultationsPage' });
export type MyConsultationsPage = z.infer<typeof MyConsultationsPage>;

export const MyReferralsQuery = z
  .object({
    recentDays: z.coerce
      .number()
      .int()
      .min(1, 'recentDays is 1 to 31')
      .max(31, 'recentDays is 1 to 31')
      .default(RECENT_DAYS)
      .meta({
        description: 'closed referrals changed within this many days are listed too (open ones always)',
      }),
  })
  .strict();

/**
 * The shift summary. "This shift" is today since 00:00 in Asia/Bishkek: the line runs around the clock and the
 * desk counts by the calendar day, the same for every device and sign-in.
 */
export const ShiftSummary = z
  .object({
    since: z.iso.datetime({ offset: true }),
    /** Calls I took or answered at my extension. */
    calls: z.number().int(),
    /** Consultations I opened (drafts and final). */
    consultations: z.number().int(),
    finalized: z.number().int(),
    /** Referrals I made. */
    referrals: z.number().int(),
    /** Consultations whose latest assessment is high or critical. */
    highRisk: z.number().int(),
  })
  .meta({ id: 'ShiftSummary' });
export type ShiftSummary = z.infer<typeof ShiftSummary>;

/** The instant 00:00 Asia/Bishkek (UTC+6, no daylight saving) of the day `at` falls on, `back` days earlier. */
export function bishkekDayStart(at: Date, back = 0): Date {
  const offset = 6 * 60 * 60_000;
  const dayMs = 24 * 60 * 60_000;
  const local = Math.floor((at.getTime() + offset) / dayMs) * dayMs;
  return new Date(local - offset - back * dayMs);
}
