import { type DbOrTx, FOLLOW_UP_SELECT, type FollowUpRow, schema } from '@korgon/db';
import { type AlertKind, type AlertState, type LocalizedText, statusesFrom } from '@korgon/domain';
import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type pg from 'pg';

const { alerts, calls, consultations, followUps, handoverNotes, partnerOrgs, referrals, users } = schema;

export type HandoverNoteRow = typeof handoverNotes.$inferSelect & {
  authorName: string;
  readByName: string | null;
};

const author = alias(users, 'author');
const reader = alias(users, 'reader');
const noteColumns = {
  id: handoverNotes.id,
  authorId: handoverNotes.authorId,
  bodySealed: handoverNotes.bodySealed,
  keyVersion: handoverNotes.keyVersion,
  createdAt: handoverNotes.createdAt,
  readAt: handoverNotes.readAt,
  readBy: handoverNotes.readBy,
  authorName: author.displayName,
  readByName: reader.displayName,
};

export interface OpenAlertRow {
  id: string;
  kind: AlertKind;
  state: AlertState;
  causeAt: Date;
  reference: string | null;
  operator: string | null;
}

export interface UrgentReferralRow {
  id: string;
  reference: string;
  consultationId: string;
  partner: LocalizedText;
  status: string;
  escalateAt: Date | null;
}

/** Lists are for a person to read at the start of a shift: the oldest first, and no more than this. */
const LIST_LIMIT = 200;

/** Hand-over notes (drizzle), and what is still open, read straight from its tables at read time. */
export function createHandoverRepository(db: DbOrTx, pool: pg.Pool) {
  const notesQuery = () =>
    db
      .select(noteColumns)
      .from(handoverNotes)
      .innerJoin(author, eq(author.id, handoverNotes.authorId))
      .leftJoin(reader, eq(reader.id, handoverNotes.readBy));

  return {
    async insert(row: { id: string; authorId: string; bodySealed: Buffer; keyVersion: number }) {
      await db.insert(handoverNotes).values(row);
    },

    async find(id: string): Promise<HandoverNoteRow | undefined> {
      const [row] = await notesQuery().where(eq(handoverNotes.id, id));
      return row;
    },

    /** Notes nobody has marked read, but the reader's own, newest first. */
    async unreadFor(userId: string): Promise<HandoverNoteRow[]> {
      return notesQuery()
        .where(and(isNull(handoverNotes.readAt), ne(handoverNotes.authorId, userId)))
        .orderBy(desc(handoverNotes.createdAt), desc(handoverNotes.id))
        .limit(50);
    },

    /** Marks a note read once: false when someone marked it first. */
    async markRead(id: string, userId: string): Promise<boolean> {
      const rows = await db
        .update(handoverNotes)
        .set({ readAt: sql`now()`, readBy: userId })
        .where(and(eq(handoverNotes.id, id), isNull(handoverNotes.readAt)))
        .returning({ id: handoverNotes.id });
      return rows.length > 0;
    },

    /**
     * Alerts not yet resolved (open or acknowledged), oldest cause first, each with what a person reads for its
     * subject: the referral's reference, else the consultation's (its own, its follow-up's or its call's).
     */
    async openAlerts(): Promise<OpenAlertRow[]> {
      const k = alias(consultations, 'k');
      const kf = alias(consultations, 'kf');
      const kc = alias(consultations, 'kc');
      return db
        .select({
          id: alerts.id,
          kind: alerts.kind,
          state: alerts.state,
          causeAt: alerts.causeAt,
          reference: sql<
            string | null
          >`coalesce(${referrals.reference}, ${k.reference}, ${kf.reference}, ${kc.reference})`,
          operator: users.displayName,
        })
        .from(alerts)
        .leftJoin(referrals, eq(referrals.id, alerts.referralId))
        .leftJoin(k, eq(k.id, alerts.consultationId))
        .leftJoin(followUps, eq(followUps.id, alerts.followUpId))
        .leftJoin(kf, eq(kf.id, followUps.consultationId))
        .leftJoin(calls, eq(calls.id, alerts.callId))
        .leftJoin(kc, eq(kc.callId, calls.id))
        .leftJoin(users, eq(users.id, alerts.operatorId))
        .where(inArray(alerts.state, ['open', 'acknowledged']))
        .orderBy(alerts.causeAt, alerts.id)
        .limit(LIST_LIMIT);
    },

    /** Urgent referrals no partner has acknowledged yet (escalated ones too), soonest escalation first. */
    async urgentReferralsAwaiting(): Promise<UrgentReferralRow[]> {
      return db
        .select({
          id: referrals.id,
          reference: referrals.reference,
          consultationId: referrals.consultationId,
          partner: partnerOrgs.name,
          status: referrals.status,
          escalateAt: referrals.escalateAt,
        })
        .from(referrals)
        .innerJoin(partnerOrgs, eq(partnerOrgs.id, referrals.partnerOrgId))
        .where(
          and(
            eq(referrals.urgency, 'urgent'),
            // Not acknowledged yet: the states the lifecycle lets a partner acknowledge from.
            inArray(referrals.status, statusesFrom('acknowledged')),
            isNull(referrals.acknowledgedAt),
          ),
        )
        .orderBy(sql`${referrals.escalateAt} NULLS LAST`, referrals.createdAt)
        .limit(LIST_LIMIT);
    },

    /**
     * Follow-ups that are due now or past (not closed): the caller's window decides when one is overdue, so the
     * service keeps those whose phase is overdue. Raw SQL: the follow-ups' shared view query.
     */
    async raisedFollowUps(now: Date): Promise<FollowUpRow[]> {
      const { rows } = await pool.query<FollowUpRow>(
        `${FOLLOW_UP_SELECT} WHERE f.state = 'due' AND f.raise_at <= $1 ORDER BY f.raise_at, f.id LIMIT 1000`,
        [now],
      );
      return rows;
    },
  };
}
