import { type Db, followUpView, writeAudit } from '@korgon/db';
import { type Clock, type HandoverList, type HandoverNote, type HandoverOpen, rooms } from '@korgon/domain';
import { open, type SealKey, seal, UnreadableError } from '@korgon/signing';
import type pg from 'pg';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { KorgonIo } from '../../plugins/socket';
import type { SessionUser } from '../auth/repository';
import { createHandoverRepository, type HandoverNoteRow } from './repository';

export interface HandoverDeps {
  db: Db;
  pool: pg.Pool;
  key: SealKey;
  io: KorgonIo;
  clock: Clock;
}

/** The note's associated data: its id and what it is, so a sealed body copied elsewhere does not open. */
const aadOf = (id: string) => `${id}:handover`;

/**
 * The shift hand-over (docs/board.md, "Acting"): the outgoing supervisor writes a note (sealed at rest with the
 * notes key, audited); every other supervisor sees it on the board, beside what is still open (computed when
 * read), until one of them marks it read (audited). Pushes carry ids only: boards read the list again.
 */
export function createHandoverService(d: HandoverDeps) {
  const { db, pool, key, io, clock } = d;

  const bodyOf = (r: HandoverNoteRow): string | null => {
    try {
      return open(key, aadOf(r.id), r.bodySealed, r.keyVersion);
    } catch (err) {
      // A note sealed under a key this server no longer has is listed without its text, not hidden.
      if (err instanceof UnreadableError) return null;
      throw err;
    }
  };
  const view = (r: HandoverNoteRow): HandoverNote => ({
    id: r.id,
    author: { id: r.authorId, displayName: r.authorName },
    body: bodyOf(r),
    createdAt: r.createdAt.toISOString(),
    readAt: r.readAt?.toISOString() ?? null,
    readBy: r.readBy ? { id: r.readBy, displayName: r.readByName ?? '' } : null,
  });
  const pushed = (noteId: string, change: 'written' | 'read') =>
    io.to(rooms.role('supervisor')).emit('board:handover', { noteId, change });

  async function openNow(): Promise<HandoverOpen> {
    const repo = createHandoverRepository(db, pool);
    const now = clock.now();
    const [alerts, referrals, followUps] = await Promise.all([
      repo.openAlerts(),
      repo.urgentReferralsAwaiting(),
      repo.raisedFollowUps(now),
    ]);
    return {
      alerts: alerts.map((a) => ({
        id: a.id,
        kind: a.kind,
        state: a.state,
        since: a.causeAt.toISOString(),
        reference: a.reference,
        operator: a.operator,
      })),
      urgentReferrals: referrals.map((r) => ({
        ...r,
        escalateAt: r.escalateAt?.toISOString() ?? null,
      })),
      overdueFollowUps: followUps
        .map((r) => followUpView(r, now))
        .filter((f) => f.phase === 'overdue')
        .slice(0, 200)
        .map((f) => ({
          id: f.id,
          consultationId: f.consultationId,
          reference: f.reference,
          assignee: f.assignee?.displayName ?? null,
          overdueAt: f.overdueAt,
        })),
    };
  }

  return {
    async write(body: string, actor: SessionUser): Promise<HandoverNote> {
      const id = crypto.randomUUID();
      await db.transaction(async (tx) => {
        await createHandoverRepository(tx, pool).insert({
          id,
          authorId: actor.id,
          bodySealed: seal(key, aadOf(id), body),
          keyVersion: key.version,
        });
        await writeAudit(tx, {
          action: 'handover.written',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'handover_note',
          targetId: id,
          details: { chars: body.length },
        });
      });
      pushed(id, 'written');
      const row = await createHandoverRepository(db, pool).find(id);
      if (!row) throw new NotFoundError('The note just written');
      return view(row);
    },

    /** The notes other supervisors left unread (newest first) and what is open now. */
    async list(reader: SessionUser): Promise<HandoverList> {
      const [notes, open] = await Promise.all([
        createHandoverRepository(db, pool).unreadFor(reader.id),
        openNow(),
      ]);
      return { serverTime: clock.now().toISOString(), notes: notes.map(view), open };
    },

    /** Marks a note read: it is no longer shown to anyone. Its author cannot (it is for the next shift). */
    async markRead(id: string, reader: SessionUser): Promise<HandoverNote> {
      const row = await db.transaction(async (tx) => {
        const repo = createHandoverRepository(tx, pool);
        const note = await repo.find(id);
        if (!note) throw new NotFoundError('That hand-over note');
        if (note.authorId === reader.id)
          throw new ForbiddenError('You wrote this note: a supervisor of the next shift marks it read.');
        if (!(await repo.markRead(id, reader.id)))
          throw new ConflictError(
            `${note.readByName ?? 'Another supervisor'} has marked this note read already.`,
          );
        await writeAudit(tx, {
          action: 'handover.read',
          actorId: reader.id,
          actorRole: reader.role,
          targetType: 'handover_note',
          targetId: id,
          details: { authorId: note.authorId },
        });
        return repo.find(id);
      });
      if (!row) throw new NotFoundError('That hand-over note');
      pushed(id, 'read');
      return view(row);
    },
  };
}
export type HandoverService = ReturnType<typeof createHandoverService>;
