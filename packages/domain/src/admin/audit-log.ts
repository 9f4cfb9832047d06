import { z } from 'zod';

/**
 * The audit log viewer (issue 13, docs/security.md "Audit log viewer"): administrators read the append-only,
 * hash-chained audit log, filtered, newest first, a page at a time, and see whether the chain still verifies and
 * the latest signed checkpoint. Reading it is itself audited (`audit.read`, with the filters).
 */

/** At most this many entries in one page. */
export const AUDIT_PAGE_MAX = 200;
export const AUDIT_PAGE_DEFAULT = 50;

const isoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO-8601 time with a zone, e.g. 2026-11-25T00:00:00+06:00',
});

/** An action (`consultation.read`) or a prefix of actions ending in a dot (`consultation.`). */
export const AuditActionFilter = z
  .string()
  .trim()
  .max(64, 'An action has at most 64 characters.')
  .regex(
    /^[a-z][a-z_]*(\.[a-z_]+)*\.?$/,
    'An action is lower-case words joined by dots, e.g. consultation.read, or a prefix ending in a dot, e.g. consultation.',
  );

/** A user id, or a username (resolved to the id; none matches: no entries). */
export const AuditActorFilter = z
  .string()
  .trim()
  .min(1, 'Name a user by username or id.')
  .max(64, 'A username has at most 64 characters.')
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'A user is named by a username or a user id (letters, digits, . _ -).');

export const AuditLogQuery = z
  .object({
    actor: AuditActorFilter.optional().meta({ description: 'a user id or a username' }),
    action: AuditActionFilter.optional().meta({
      description: 'an action, or a prefix ending in a dot (`consultation.`)',
    }),
    targetType: z
      .string()
      .trim()
      .regex(/^[a-z][a-z_]{0,39}$/, 'A target type is a lower-case word, e.g. consultation, user, referral.')
      .optional()
      .meta({ description: 'what the entry is about: consultation, user, referral, session…' }),
    targetId: z
      .string()
      .trim()
      .min(1, 'A target id may not be empty.')
      .max(100, 'A target id has at most 100 characters.')
      .regex(/^[A-Za-z0-9_.:-]+$/, 'A target id has only letters, digits and . _ : -')
      .optional()
      .meta({ description: 'the id of the target (with targetType)' }),
    from: isoTime.optional().meta({ description: 'entries at or after this time' }),
    to: isoTime.optional().meta({ description: 'entries before this time' }),
    cursor: z.coerce
      .number({ error: 'The cursor is an entry id: a whole number.' })
      .int('The cursor is an entry id: a whole number.')
      .min(1, 'The cursor is an entry id: a whole number from 1.')
      .max(Number.MAX_SAFE_INTEGER, 'The cursor is too large.')
      .optional()
      .meta({ description: 'the `nextCursor` of the page before: entries with a smaller id' }),
    limit: z.coerce
      .number({ error: `limit is a whole number from 1 to ${AUDIT_PAGE_MAX}.` })
      .int(`limit is a whole number from 1 to ${AUDIT_PAGE_MAX}.`)
      .min(1, `limit is a whole number from 1 to ${AUDIT_PAGE_MAX}.`)
      .max(AUDIT_PAGE_MAX, `limit is a whole number from 1 to ${AUDIT_PAGE_MAX}.`)
      .default(AUDIT_PAGE_DEFAULT),
  })
  .strict()
  .refine((q) => q.targetId === undefined || q.targetType !== undefined, {
    message: 'Give the target type (targetType) with the target id.',
    path: ['targetId'],
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: '`from` must be before `to`.',
    path: ['to'],
  });
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

export const AuditActor = z
  .object({
    id: z.uuid(),
    /** Null when the account is gone (entries outlive accounts). */
    username: z.string().nullable(),
    displayName: z.string().nullable(),
    /** The role the actor had when the entry was written. */
    role: z.string().nullable(),
  })
  .meta({ id: 'AuditActor' });
export type AuditActor = z.infer<typeof AuditActor>;

export const AuditLogEntry = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime({ offset: true }),
    /** Null: the system (the worker, a start-up seed, a sign-in by an unknown name). */
    actor: AuditActor.nullable(),
    action: z.string(),
    target: z
      .object({
        type: z.string(),
        id: z.string().nullable(),
        /** For a user: their username, when the account still exists. */
        label: z.string().nullable(),
      })
      .nullable(),
    /** Ids and coarse facts only (long strings cut to 200 characters); never a caller's number or a note. */
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditLogEntry' });
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

export const AuditLogPage = z
  .object({
    entries: z.array(AuditLogEntry),
    /** Pass as `cursor` for the next (older) page; null on the last page. */
    nextCursor: z.number().int().nullable(),
    /** Every action in the log or known to the server, sorted: the filter's choices. */
    actions: z.array(z.string()),
  })
  .meta({ id: 'AuditLogPage' });
export type AuditLogPage = z.infer<typeof AuditLogPage>;

export const AuditStatusQuery = z
  .object({
    full: z.enum(['true', 'false'], { error: 'full is true or false.' }).optional().meta({
      description: 'true: walk the whole chain again now, not only the entries added since the last check',
    }),
  })
  .strict();
export type AuditStatusQuery = z.infer<typeof AuditStatusQuery>;

export const AuditChainVerdict = z
  .discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      /** The newest entry verified (null: the log is empty). */
      verifiedUpTo: z.number().int().nullable(),
      /** Its time. */
      verifiedUpToAt: z.iso.datetime({ offset: true }).nullable(),
      /** Entries verified in all. */
      entries: z.number().int(),
    }),
    z.object({
      ok: z.literal(false),
      /** The first entry whose link or content does not verify. */
      brokenAt: z.number().int(),
      reason: z.string(),
      /** Entries before it that verify. */
      entries: z.number().int(),
    }),
  ])
  .meta({ id: 'AuditChainVerdict' });
export type AuditChainVerdict = z.infer<typeof AuditChainVerdict>;

export const AuditAnchorStatus = z
  .object({
    /** Checkpoints in AUDIT_ANCHOR_DIR. */
    count: z.number().int(),
    /** Every checkpoint is signed with AUDIT_ANCHOR_KEY and the chain still matches them all. */
    ok: z.boolean(),
    /** Why not, when not ok. */
    problem: z.string().nullable(),
    latest: z
      .object({
        id: z.number().int(),
        hash: z.string(),
        at: z.iso.datetime({ offset: true }),
        signatureValid: z.boolean(),
        /** The entry it names is still in the log with the hash it recorded. */
        matchesChain: z.boolean(),
      })
      .nullable(),
  })
  .meta({ id: 'AuditAnchorStatus' });
export type AuditAnchorStatus = z.infer<typeof AuditAnchorStatus>;

export const AuditStatus = z
  .object({
    chain: AuditChainVerdict,
    /** When this verdict was reached. */
    checkedAt: z.iso.datetime({ offset: true }),
    /** When the whole chain was last walked from its first entry (later checks add only the new entries). */
    fullCheckAt: z.iso.datetime({ offset: true }),
    /** How this answer was reached: the whole chain, or only the entries added since the last check. */
    mode: z.enum(['full', 'incremental']),
    /** Entries hashed for this answer. */
    checkedNow: z.number().int(),
    anchors: AuditAnchorStatus,
  })
  .meta({ id: 'AuditStatus' });
export type AuditStatus = z.infer<typeof AuditStatus>;
