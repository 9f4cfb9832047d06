import {
  ALERT_KINDS,
  ALERT_STATES,
  CALL_STATES,
  DELIVERY_CHANNELS,
  FOLLOW_UP_KINDS,
  FOLLOW_UP_STATES,
  OPERATOR_STATUSES,
  PARTNER_TYPES,
  REFERRAL_STATUSES,
  type ReferralContent,
  type ReferralUrgency,
  ROLES,
} from '@korgon/domain';
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => tstz('created_at').notNull().defaultNow();

export const roleEnum = pgEnum('role', ROLES);
export const partnerTypeEnum = pgEnum('partner_type', PARTNER_TYPES);
export const deliveryChannelEnum = pgEnum('delivery_channel', DELIVERY_CHANNELS);

// ── partner organisations ───────────────────────────────────────────────────────────────────────────────
export const partnerOrgs = pgTable('partner_orgs', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: jsonb('name').$type<{ ky: string; ru: string; en: string }>().notNull(),
  type: partnerTypeEnum('type').notNull(),
  regions: text('regions').array().notNull().default(sql`'{}'`),
  languages: text('languages').array().notNull().default(sql`'{}'`),
  /** Opening hours, e.g. { "always": true } or { "mon": ["09:00", "18:00"], … }. */
  hours: jsonb('hours').$type<Record<string, unknown>>().notNull().default({ always: true }),
  channel: deliveryChannelEnum('channel').notNull().default('portal'),
  webhookUrl: text('webhook_url'),
  email: text('email'),
  contacts: jsonb('contacts').$type<Record<string, unknown>[]>().notNull().default([]),
  /** The webhook signing secret, sealed with the notes key (never in clear in the database). */
  webhookSecretSealed: bytea('webhook_secret_sealed'),
  webhookSecretKeyVersion: integer('webhook_secret_key_version'),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

// ── people, sessions, throttling ────────────────────────────────────────────────────────────────────────
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: roleEnum('role').notNull(),
    locale: text('locale').notNull().default('ky'),
    /** The operator's phone extension on the PBX, to match call.answered events to people. */
    extension: text('extension').unique(),
    partnerOrgId: uuid('partner_org_id').references(() => partnerOrgs.id),
    active: boolean('active').notNull().default(true),
    /** Set with a one-time password (admin reset, `pnpm admin:create`); cleared when the user changes it. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    /**
     * The TOTP second factor (docs/security.md "Second factor"): the shared secret, sealed like the notes (record
     * id = the user's id), null until enrolled. `totp_last_step` is the last 30-second step accepted, so a code
     * seen over a shoulder cannot be used twice.
     */
    totpSecretSealed: bytea('totp_secret_sealed'),
    totpKeyVersion: integer('totp_key_version'),
    totpEnrolledAt: tstz('totp_enrolled_at'),
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_username_lower_idx').on(sql`lower(${t.username})`),
    index('users_role_idx').on(t.role),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the cookie token: a database dump cannot be replayed as a cookie. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: tstz('last_seen_at').notNull().defaultNow(),
    expiresAt: tstz('expires_at').notNull(),
    endedAt: tstz('ended_at'),
    endReason: text('end_reason'),
    userAgent: text('user_agent'),
    /**
     * Null: a full session. 'totp': the password was right and the second factor is still to come; 'enrol': the
     * user must enrol a second factor first. Such a session opens only the second-factor routes.
     */
    pendingStep: text('pending_step'),
  },
  (t) => [
    index('sessions_user_live_idx').on(t.userId).where(sql`${t.endedAt} is null`),
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

/** One-time recovery codes of a user's second factor: argon2 hashes, each used once. */
export const userRecoveryCodes = pgTable(
  'user_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: createdAt(),
    usedAt: tstz('used_at'),
  },
  (t) => [index('user_recovery_codes_user_idx').on(t.userId)],
);

/**
 * Settings an admin changes in the console (retention periods, the operators' second-factor policy), one row per
 * key; every change is audited. Settings that need a restart stay in the environment (packages/config).
 */
export const systemSettings = pgTable('system_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

/**
 * The runs of maintenance jobs an admin watches: retention (shredding free text past its period) and key
 * rotation (re-sealing text under the current notes key). Counts only, never content.
 */
export const maintenanceRuns = pgTable(
  'maintenance_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** 'retention' or 'reencrypt'. */
    kind: text('kind').notNull(),
    /** 'schedule' or 'manual' (an admin's button; startedBy says who). */
    trigger: text('trigger').notNull(),
    startedBy: uuid('started_by').references(() => users.id),
    startedAt: tstz('started_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
    /** 'running', 'succeeded', 'failed'. */
    status: text('status').notNull().default('running'),
    /** What it did: counts per kind of record, the settings it ran with. */
    counts: jsonb('counts').notNull().default({}),
    error: text('error'),
  },
  (t) => [index('maintenance_runs_kind_idx').on(t.kind, t.startedAt)],
);

/** Failed sign-in counters: per account and address, per address, per account, per known device (addresses and devices hashed). */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStartedAt: tstz('window_started_at').notNull().defaultNow(),
  lockedUntil: tstz('locked_until'),
});

export const workerHeartbeats = pgTable('worker_heartbeats', {
  workerId: text('worker_id').primaryKey(),
  startedAt: tstz('started_at').notNull(),
  seenAt: tstz('seen_at').notNull(),
});

// ── versioned reference data ────────────────────────────────────────────────────────────────────────────
export const taxonomyVersions = pgTable(
  'taxonomy_versions',
  {
    version: text('version').primaryKey(),
    document: jsonb('document').notNull(),
    active: boolean('active').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('taxonomy_one_active_idx').on(t.active).where(sql`${t.active}`)],
);

export const methodologyVersions = pgTable(
  'methodology_versions',
  {
    methodologyId: text('methodology_id').notNull(),
    version: text('version').notNull(),
    document: jsonb('document').notNull(),
    active: boolean('active').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.methodologyId, t.version] }),
    uniqueIndex('methodology_one_active_idx').on(t.active).where(sql`${t.active}`),
  ],
);

// ── calls ───────────────────────────────────────────────────────────────────────────────────────────────
export const callStateEnum = pgEnum('call_state', CALL_STATES);

export const calls = pgTable(
  'calls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The PBX's own call id. */
    externalId: text('external_id').notNull().unique(),
    line: text('line').notNull(),
    /** Keyed HMAC of the caller's number; the number itself is never stored. */
    callerHash: text('caller_hash'),
    /** The version of the HMAC key that made callerHash (CALLER_HMAC_KEY_VERSION; docs/security.md "Key rotation"). */
    callerHashKeyVersion: integer('caller_hash_key_version'),
    state: callStateEnum('state').notNull().default('waiting'),
    offeredAt: tstz('offered_at'),
    answeredAt: tstz('answered_at'),
    endedAt: tstz('ended_at'),
    shortAbandoned: boolean('short_abandoned').notNull().default(false),
    /** The extension that answered (from the PBX). */
    extension: text('extension'),
    /** Contacts from the same caller hash in the 90 days before this call; fixed when the call arrives. */
    priorContacts: integer('prior_contacts').notNull().default(0),
    /** Who took the call in the console (the claim), or who answered it at the PBX. */
    operatorId: uuid('operator_id').references(() => users.id),
    takenAt: tstz('taken_at'),
    /**
     * The supervisor who gave this call to its operator (POST /api/queue/calls/{id}/assign); null when she took
     * it herself or it was answered at her extension. Her desk says who gave it.
     */
    assignedBy: uuid('assigned_by').references(() => users.id),
    /**
     * While the call is waiting or answered: when it counts as lost if nothing is heard of it before then (its
     * last event or claim plus CALL_LOST_*_MINUTES; the worker's delayed job fires then, the reconciler reads
     * it). Once lost: when it was closed as lost.
     */
    lostAt: tstz('lost_at'),
    /** Bumped on every change, so the console can detect gaps. */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('calls_waiting_idx').on(t.offeredAt).where(sql`${t.state} = 'waiting'`),
    index('calls_active_idx').on(t.offeredAt).where(sql`${t.state} in ('waiting', 'answered')`),
    index('calls_caller_hash_idx').on(t.callerHash, t.offeredAt),
    index('calls_lost_at_idx').on(t.lostAt).where(sql`${t.state} in ('waiting', 'answered')`),
    /**
     * The board's service figures (packages/board metrics.ts): calls offered in a window, with every column the
     * aggregate reads, so a month of calls is counted from the index alone (an index-only scan).
     */
    index('calls_offered_idx').on(t.offeredAt, t.state, t.answeredAt, t.endedAt, t.shortAbandoned),
    /** The shift summary's call count: an operator's calls since a time (GET /api/me/shift). */
    index('calls_operator_at_idx')
      .on(t.operatorId, sql`coalesce(${t.takenAt}, ${t.answeredAt}, ${t.offeredAt})`)
      .where(sql`${t.operatorId} IS NOT NULL`),
  ],
);

export const callEvents = pgTable(
  'call_events',
  {
    eventId: text('event_id').primaryKey(),
    callId: uuid('call_id')
      .notNull()
      .references(() => calls.id),
    type: text('type').notNull(),
    at: tstz('at').notNull(),
    extension: text('extension'),
    callerHash: text('caller_hash'),
    callerHashKeyVersion: integer('caller_hash_key_version'),
    receivedAt: tstz('received_at').notNull().defaultNow(),
  },
  (t) => [index('call_events_call_at_idx').on(t.callId, t.at)],
);

/** One row: the version of the live state (calls and operator states). Every change takes the next one. */
export const queueState = pgTable('queue_state', {
  id: integer('id').primaryKey().default(1),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});

export const operatorStatusEnum = pgEnum('operator_status', OPERATOR_STATUSES);

export const operatorStates = pgTable(
  'operator_states',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: operatorStatusEnum('status').notNull().default('offline'),
    since: tstz('since').notNull().defaultNow(),
    callId: uuid('call_id').references(() => calls.id),
    /** When the current wrap-up ends (the worker's delayed job fires then; the reconciler reads it). */
    wrapUpEndsAt: tstz('wrap_up_ends_at'),
    /**
     * A short break offered to the operator after a call assessed critical (operator wellbeing, docs/board.md):
     * set when the critical level is saved, cleared when she takes a break or declines. The board shows it.
     */
    breakOfferedAt: tstz('break_offered_at'),
    /**
     * When the offered short break ends (BREAK_OFFER_MINUTES after it began): set when the break is taken while
     * one is offered, cleared by any other state. Nothing changes then: her desk says the break is over.
     */
    breakEndsAt: tstz('break_ends_at'),
  },
  (t) => [index('operator_states_status_idx').on(t.status)],
);

/**
 * The history of operator states: one row per period in a state, begun when it begins and closed (`ended_at`,
 * set once) when the next begins. Rows are never deleted or changed otherwise. Written by triggers on
 * operator_states (see migration 0015_hard_gressill) in the same transaction as every change of state, whoever makes it, so
 * the history cannot disagree with the live state. The board reads wrap-up times and who was online from it.
 */
export const operatorStateLog = pgTable(
  'operator_state_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    status: operatorStatusEnum('status').notNull(),
    /** The call of an on-call or wrap-up period. */
    callId: uuid('call_id'),
    startedAt: tstz('started_at').notNull(),
    /** Null while it lasts. */
    endedAt: tstz('ended_at'),
  },
  (t) => [
    uniqueIndex('operator_state_log_open_idx').on(t.userId).where(sql`${t.endedAt} IS NULL`),
    index('operator_state_log_started_idx').on(t.startedAt, t.status),
    index('operator_state_log_ended_idx').on(t.endedAt),
    /**
     * The board's mean wrap-up per window (packages/board metrics.ts): wrap-ups begun in a window, read from the
     * index alone (an index-only scan over a third of the log instead of a heap fetch per period).
     */
    index('operator_state_log_wrap_up_idx').on(t.startedAt, t.endedAt).where(sql`${t.status} = 'wrap_up'`),
  ],
);

// ── reference numbers ───────────────────────────────────────────────────────────────────────────────────
/**
 * The last reference number given per kind ('K' consultations, 'R' referrals) and year (Asia/Bishkek). The
 * insert triggers lock and bump the row in the inserting transaction, so a rolled-back insert gives its number
 * back and the numbers stay gapless (migration 0007: functions reference_assign, reference_take, reference_format).
 */
export const referenceCounters = pgTable(
  'reference_counters',
  {
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);

// ── consultations and risk ──────────────────────────────────────────────────────────────────────────────
export const consultationStatusEnum = pgEnum('consultation_status', ['draft', 'final']);

export const consultations = pgTable(
  'consultations',
  {
    /** Made by the client, so a retried save never makes a duplicate. */
    id: uuid('id').primaryKey(),
    /**
     * What people read and quote: K-2026-000123, gapless per year (Asia/Bishkek). Set by the database at insert
     * (trigger consultations_reference, see referenceCounters); never by the application.
     */
    reference: text('reference')
      .notNull()
      .unique()
      .$defaultFn(() => sql`null`),
    callId: uuid('call_id').references(() => calls.id),
    /** call, call-back, walk-in, message. */
    channel: text('channel').notNull().default('call'),
    /** The earlier consultation this contact follows (a call-back): the caller's anonymous case is the chain. */
    previousId: uuid('previous_id').references((): AnyPgColumn => consultations.id),
    /** The follow-up this consultation does; finalizing it makes that follow-up done. */
    followUpId: uuid('follow_up_id').references((): AnyPgColumn => followUps.id),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => users.id),
    callerHash: text('caller_hash'),
    callerHashKeyVersion: integer('caller_hash_key_version'),
    status: consultationStatusEnum('status').notNull().default('draft'),
    revision: integer('revision').notNull().default(0),
    taxonomyVersion: text('taxonomy_version')
      .notNull()
      .references(() => taxonomyVersions.version),
    /** Structured, coarse fields only; free text lives encrypted below. */
    data: jsonb('data').notNull().default({}),
    notesCiphertext: bytea('notes_ciphertext'),
    notesKeyVersion: integer('notes_key_version'),
    notesShreddedAt: tstz('notes_shredded_at'),
    /** A legal hold stops retention from shredding this consultation's free text (set and lifted by an admin, audited). */
    legalHold: boolean('legal_hold').notNull().default(false),
    legalHoldAt: tstz('legal_hold_at'),
    legalHoldBy: uuid('legal_hold_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    finalizedAt: tstz('finalized_at'),
  },
  (t) => [
    index('consultations_operator_idx').on(t.operatorId, t.updatedAt),
    index('consultations_caller_hash_idx').on(t.callerHash, t.createdAt),
    // One consultation per call, whichever console (or the PBX's answer) opens it first.
    uniqueIndex('consultations_call_idx').on(t.callId).where(sql`${t.callId} IS NOT NULL`),
    index('consultations_previous_idx').on(t.previousId).where(sql`${t.previousId} IS NOT NULL`),
    index('consultations_follow_up_idx').on(t.followUpId).where(sql`${t.followUpId} IS NOT NULL`),
    /** The board's high-risk consultations: begun in the shift, or drafts worked on in it (packages/board). */
    index('consultations_created_idx').on(t.createdAt),
    index('consultations_draft_idx').on(t.updatedAt).where(sql`${t.status} = 'draft'`),
  ],
);

export const riskAssessments = pgTable(
  'risk_assessments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    consultationId: uuid('consultation_id')
      .notNull()
      .references(() => consultations.id),
    methodologyId: text('methodology_id').notNull(),
    methodologyVersion: text('methodology_version').notNull(),
    answers: jsonb('answers').notNull(),
    score: doublePrecision('score').notNull(),
    computedLevel: text('computed_level').notNull(),
    /** The lowest level floors and immediate dangers allow (overrides never go below it). */
    minimumLevel: text('minimum_level').notNull(),
    /** The full result of assess(): reasons, unanswered items, actions. */
    result: jsonb('result').notNull(),
    finalLevel: text('final_level').notNull(),
    override: jsonb('override'),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('risk_assessments_consultation_idx').on(t.consultationId, t.createdAt)],
);

/** Per partner type: how long an urgent referral may wait for acknowledgement before it is escalated. */
export const partnerTypeSettings = pgTable('partner_type_settings', {
  type: partnerTypeEnum('type').primaryKey(),
  escalationMinutes: integer('escalation_minutes').notNull().default(15),
});

/** Signed additions to a finalized consultation: the record itself never changes after it is final. */
export const consultationAddenda = pgTable(
  'consultation_addenda',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    consultationId: uuid('consultation_id')
      .notNull()
      .references(() => consultations.id),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    /** Null once retention has shredded it (shreddedAt); the signature stays, over what was written. */
    textCiphertext: bytea('text_ciphertext'),
    keyVersion: integer('key_version').notNull(),
    signature: text('signature').notNull(),
    shreddedAt: tstz('shredded_at'),
  },
  (t) => [index('consultation_addenda_consultation_idx').on(t.consultationId, t.createdAt)],
);

// ── follow-ups ──────────────────────────────────────────────────────────────────────────────────────────
export const followUpKindEnum = pgEnum('follow_up_kind', FOLLOW_UP_KINDS);
export const followUpStateEnum = pgEnum('follow_up_state', FOLLOW_UP_STATES);

/**
 * A follow-up of a consultation (docs/domain.md §10). PostgreSQL holds the truth: `raise_at` is when its
 * delayed job raises it (the due time moved into the safe window), `raised_at` when it was raised; the
 * reconciler adds the job of every pending one Redis lost, and raises at once those whose time passed.
 */
export const followUps = pgTable(
  'follow_ups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    consultationId: uuid('consultation_id')
      .notNull()
      .references(() => consultations.id),
    kind: followUpKindEnum('kind').notNull(),
    /** What made it ('callback', 'order_checkin', 'order_reassess', a methodology action id): one per consultation. */
    source: text('source').notNull(),
    state: followUpStateEnum('state').notNull().default('due'),
    dueAt: tstz('due_at').notNull(),
    raiseAt: tstz('raise_at').notNull(),
    raisedAt: tstz('raised_at'),
    /** The caller's safe-contact window, HH:MM Asia/Bishkek. */
    windowFrom: text('window_from'),
    windowTo: text('window_to'),
    /** Null: the shift's. */
    assigneeId: uuid('assignee_id').references(() => users.id),
    /** The consultation that did it (state done). */
    doneConsultationId: uuid('done_consultation_id').references((): AnyPgColumn => consultations.id),
    /** Why it was missed or cancelled: sealed free text. */
    reasonSealed: bytea('reason_sealed'),
    keyVersion: integer('key_version'),
    closedAt: tstz('closed_at'),
    closedBy: uuid('closed_by').references(() => users.id),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('follow_ups_source_idx').on(t.consultationId, t.source),
    index('follow_ups_pending_idx').on(t.raiseAt).where(sql`${t.state} = 'due' AND ${t.raisedAt} IS NULL`),
    index('follow_ups_open_idx').on(t.assigneeId, t.raiseAt).where(sql`${t.state} = 'due'`),
    index('follow_ups_closed_idx').on(t.closedAt).where(sql`${t.closedAt} IS NOT NULL`),
  ],
);

// ── referrals ───────────────────────────────────────────────────────────────────────────────────────────
export const referralStatusEnum = pgEnum('referral_status', REFERRAL_STATUSES);

export const referrals = pgTable(
  'referrals',
  {
    id: uuid('id').primaryKey(),
    /** R-2026-000045, gapless per year, set by the database at insert (trigger referrals_reference). */
    reference: text('reference')
      .notNull()
      .unique()
      .$defaultFn(() => sql`null`),
    consultationId: uuid('consultation_id')
      .notNull()
      .references(() => consultations.id),
    partnerOrgId: uuid('partner_org_id')
      .notNull()
      .references(() => partnerOrgs.id),
    urgency: text('urgency').$type<ReferralUrgency>().notNull(),
    status: referralStatusEnum('status').notNull().default('draft'),
    consentBasis: text('consent_basis'),
    consentException: text('consent_exception'),
    /** Before sealing existed: clear text, sealed into consent_exception_reason_sealed by the worker at start, never written. */
    consentExceptionReason: text('consent_exception_reason'),
    /** Why the referral went without consent: free text for the supervisors, sealed like the message. */
    consentExceptionReasonSealed: bytea('consent_exception_reason_sealed'),
    /** The fields the operator chose to send. */
    fields: text('fields').array().notNull().default(sql`'{}'`),
    /** Only the fields consent allows; what the partner receives (coarse, no free text). */
    content: jsonb('content').$type<ReferralContent>().notNull().default({}),
    /** The operator's message to the partner, and the partner's outcome: sealed free text. */
    messageSealed: bytea('message_sealed'),
    outcomeSealed: bytea('outcome_sealed'),
    keyVersion: integer('key_version'),
    /** Before sealing existed: clear text, sealed into rejection_reason_sealed by the worker at start, never written. */
    rejectionReason: text('rejection_reason'),
    /** The partner's reason for rejecting: free text, sealed like the outcome. */
    rejectionReasonSealed: bytea('rejection_reason_sealed'),
    /** When retention removed the content sent and the sealed texts (done + REFERRAL_CONTENT_DAYS). */
    contentRemovedAt: tstz('content_removed_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** sha256 of the one-time acknowledgement link's token (e-mail partners). */
    ackTokenHash: text('ack_token_hash'),
    ackTokenExpiresAt: tstz('ack_token_expires_at'),
    deliveredAt: tstz('delivered_at'),
    acknowledgedAt: tstz('acknowledged_at'),
    escalatedAt: tstz('escalated_at'),
    /** An urgent referral not acknowledged by then is escalated (the worker's delayed job fires then). */
    escalateAt: tstz('escalate_at'),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('referrals_partner_status_idx').on(t.partnerOrgId, t.status),
    index('referrals_consultation_idx').on(t.consultationId),
    uniqueIndex('referrals_ack_token_idx').on(t.ackTokenHash),
    index('referrals_open_idx')
      .on(t.status, t.createdAt)
      .where(sql`${t.status} not in ('done', 'revoked', 'rejected')`),
  ],
);

export const referralEvents = pgTable(
  'referral_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    referralId: uuid('referral_id')
      .notNull()
      .references(() => referrals.id),
    status: referralStatusEnum('status').notNull(),
    at: tstz('at').notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id),
    /** Who acted when it was not a user: 'worker', 'partner-webhook', 'email-link'. */
    actor: text('actor'),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [index('referral_events_referral_idx').on(t.referralId, t.at)],
);

// ── audit log (append-only, hash-chained; see the custom migration for its triggers) ────────────────────
export const auditLog = pgTable(
  'audit_log',
  {
    /** Assigned by the chain trigger under a lock, so id order is chain order. */
    id: bigint('id', { mode: 'number' }).primaryKey(),
    at: tstz('at').notNull().defaultNow(),
    actorId: uuid('actor_id'),
    actorRole: text('actor_role'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    /** Keyed hash of the client address (never the address itself). */
    ipHash: text('ip_hash'),
    details: jsonb('details').notNull().default({}),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_actor_idx').on(t.actorId, t.at),
    index('audit_log_target_idx').on(t.targetType, t.targetId),
    index('audit_log_action_idx').on(t.action, t.at),
  ],
);

// ── the supervisor's board ──────────────────────────────────────────────────────────────────────────────
export const alertKindEnum = pgEnum('alert_kind', ALERT_KINDS);
export const alertStateEnum = pgEnum('alert_state', ALERT_STATES);

/**
 * Alerts that stay until a person handles them (docs/board.md). Raised when their cause is found (a change,
 * or the worker's periodic sweep), acknowledged by a supervisor (audited), resolved when the cause ends.
 * No personal data: ids of what they are about, and when.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: alertKindEnum('kind').notNull(),
    /** `<kind>:<subject id>`: one alert per cause, ever, so two processes finding it raise it once. */
    causeKey: text('cause_key').notNull(),
    state: alertStateEnum('state').notNull().default('open'),
    callId: uuid('call_id').references(() => calls.id),
    consultationId: uuid('consultation_id').references(() => consultations.id),
    assessmentId: uuid('assessment_id').references(() => riskAssessments.id),
    referralId: uuid('referral_id').references(() => referrals.id),
    followUpId: uuid('follow_up_id').references(() => followUps.id),
    /** The operator it concerns (wrap-up, the one who assessed or referred), when there is one. */
    operatorId: uuid('operator_id').references(() => users.id),
    /** When the cause began: the call offered, the assessment saved, the wrap-up started, the follow-up overdue. */
    causeAt: tstz('cause_at').notNull(),
    raisedAt: tstz('raised_at').notNull().defaultNow(),
    acknowledgedAt: tstz('acknowledged_at'),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id),
    resolvedAt: tstz('resolved_at'),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('alerts_cause_idx').on(t.causeKey),
    index('alerts_unresolved_idx').on(t.raisedAt).where(sql`${t.state} <> 'resolved'`),
    index('alerts_raised_idx').on(t.raisedAt),
  ],
);

/**
 * The shift hand-over note: written by the outgoing supervisor, shown to the incoming ones until one of them
 * marks it read. Free text, sealed like every note.
 */
export const handoverNotes = pgTable(
  'handover_notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => users.id),
    bodySealed: bytea('body_sealed').notNull(),
    keyVersion: integer('key_version').notNull(),
    createdAt: createdAt(),
    readAt: tstz('read_at'),
    readBy: uuid('read_by').references(() => users.id),
  },
  (t) => [index('handover_notes_unread_idx').on(t.createdAt).where(sql`${t.readAt} IS NULL`)],
);

/**
 * A wall display in the call room: a read-only account (role `wall`) paired to one screen by a one-time
 * code; an admin revokes it by ending its session or deactivating it.
 */
export const wallDisplays = pgTable('wall_displays', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id')
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** sha256 of the one-time pairing code; cleared once used. */
  pairingCodeHash: text('pairing_code_hash').unique(),
  pairingExpiresAt: tstz('pairing_expires_at'),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => users.id),
  createdAt: createdAt(),
});

/**
 * The queue's totals of one settled Bishkek day (the calls offered that day), per service-level threshold: a
 * month of `GET /api/board/metrics` adds ~30 of these rows instead of ~300,000 calls. A row is valid only while
 * its `version` equals the day's in call_day_versions, which a trigger on calls bumps whenever a call of a day
 * that ended over an hour ago is written (a late end event, a correction), in the writer's transaction.
 */
export const callDayTotals = pgTable(
  'call_day_totals',
  {
    day: date('day', { mode: 'string' }).notNull(),
    thresholdSeconds: integer('threshold_seconds').notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
    offered: integer('offered').notNull(),
    answered: integer('answered').notNull(),
    abandoned: integer('abandoned').notNull(),
    shortAbandoned: integer('short_abandoned').notNull(),
    lost: integer('lost').notNull(),
    within: integer('within').notNull(),
    /** Sums, not means, so that days can be added up: seconds offered→answered, and answered→ended. */
    asaSum: doublePrecision('asa_sum').notNull(),
    ahtSum: doublePrecision('aht_sum').notNull(),
    ahtCount: integer('aht_count').notNull(),
    computedAt: tstz('computed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.day, t.thresholdSeconds] })],
);

/** How often each past day's calls have changed (trigger calls_day_touch); see call_day_totals. */
export const callDayVersions = pgTable('call_day_versions', {
  day: date('day', { mode: 'string' }).primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
});

// ── statistics exports (docs/statistics.md "Exports") ─────────────────────────────────────────────────────
export const exportStateEnum = pgEnum('export_state', ['queued', 'running', 'done', 'failed', 'expired']);
export const exportFormatEnum = pgEnum('export_format', ['csv', 'xlsx']);

/**
 * A statistics export (a table, the queue's figures, the Ministry's monthly report), written by the worker to
 * a file under EXPORTS_DIR. `params` holds the report's filters only (dates, dimension keys): never personal
 * data, and every figure in the file has passed disclosure control. The file is removed after
 * EXPORTS_KEEP_DAYS; the row stays, as expired.
 */
export const exports = pgTable(
  'exports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    report: text('report').notNull(),
    params: jsonb('params').notNull().default({}),
    format: exportFormatEnum('format').notNull(),
    state: exportStateEnum('state').notNull().default('queued'),
    progress: doublePrecision('progress').notNull().default(0),
    /** Data rows written so far (all sheets). */
    rows: integer('rows').notNull().default(0),
    /** The file's name under EXPORTS_DIR (never a path given by a client). */
    fileName: text('file_name'),
    size: bigint('size', { mode: 'number' }),
    error: text('error'),
    /** Who asked; null for the monthly report built by the scheduler. */
    requestedBy: uuid('requested_by').references(() => users.id),
    createdAt: createdAt(),
    startedAt: tstz('started_at'),
    finishedAt: tstz('finished_at'),
    expiresAt: tstz('expires_at'),
  },
  (t) => [
    index('exports_requested_by_idx').on(t.requestedBy, t.createdAt),
    index('exports_report_idx').on(t.report, t.createdAt),
    index('exports_pending_idx').on(t.createdAt).where(sql`${t.state} IN ('queued', 'running')`),
  ],
);

// ── statistics facts (docs/statistics.md "The facts table") ─────────────────────────────────────────────
/**
 * One narrow row per counted consultation (finalized, its caller did not refuse statistical use) with the
 * values of every statistics dimension, so that a table scans a few dozen bytes per record instead of its JSON
 * and its assessments and referrals. Written only by the database: statement-level triggers on consultations,
 * risk_assessments, referrals and partner_orgs call statistics_facts_refresh (migration 0019), so no writer can
 * forget it. A single-valued dimension is a value, `_none` when not recorded; a multi-valued one an array of
 * distinct values, `{_none}` when empty.
 */
export const statisticsFacts = pgTable(
  'statistics_facts',
  {
    consultationId: uuid('consultation_id')
      .primaryKey()
      .references(() => consultations.id, { onDelete: 'cascade' }),
    /** The Bishkek day of the contact (created_at): the period, month and weekday are read from it. */
    day: date('day', { mode: 'string' }).notNull(),
    /** The Bishkek hour of the contact, 0 to 23. */
    hour: smallint('hour').notNull(),
    contactKind: text('contact_kind').notNull(),
    callerRole: text('caller_role').notNull(),
    gender: text('gender').notNull(),
    ageBand: text('age_band').notNull(),
    region: text('region').notNull(),
    settlement: text('settlement').notNull(),
    perpetratorRelation: text('perpetrator_relation').notNull(),
    riskLevel: text('risk_level').notNull(),
    language: text('language').notNull(),
    disability: text('disability').notNull(),
    channel: text('channel').notNull(),
    violenceForms: text('violence_forms').array().notNull(),
    servicesGiven: text('services_given').array().notNull(),
    referralPartnerTypes: text('referral_partner_types').array().notNull(),
    referralOutcomes: text('referral_outcomes').array().notNull(),
  },
  (t) => [index('statistics_facts_day_idx').on(t.day)],
);

/**
 * A day's table counts change whenever one of its records' facts does: statistics_facts_refresh appends a row
 * per day it touches (insert only, so writers never wait on each other). The number of a day's rows is its
 * version: a later commit always raises it, whatever order the ids were taken in.
 */
export const statisticsDayChanges = pgTable(
  'statistics_day_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    day: date('day', { mode: 'string' }).notNull(),
  },
  (t) => [index('statistics_day_changes_day_idx').on(t.day)],
);

/**
 * The grouped counts of one past day for one pair of dimensions (tables.ts rawTable), kept while the day's
 * version (statistics_day_changes) is the one they were counted at: a year's table is then the sum of 365
 * small rows instead of a scan of its records. Raw counts, never published as they are: disclosure control runs
 * on the summed table. `colsKey` is '' for a table of one dimension.
 */
export const statisticsDayCells = pgTable(
  'statistics_day_cells',
  {
    day: date('day', { mode: 'string' }).notNull(),
    rowsKey: text('rows_key').notNull(),
    colsKey: text('cols_key').notNull(),
    version: integer('version').notNull(),
    /** [row value, column value, cell, toward the row's total, toward the column's, toward the whole][] */
    cells: jsonb('cells').$type<[string, string, number, number, number, number][]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.rowsKey, t.colsKey, t.day] })],
);

// ── Socket.IO postgres adapter: large packets are passed through this table ─────────────────────────────
export const socketIoAttachments = pgTable('socket_io_attachments', {
  id: bigserial('id', { mode: 'number' }).unique(),
  createdAt: tstz('created_at').defaultNow(),
  payload: bytea('payload'),
});
