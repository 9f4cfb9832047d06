import {
  FOLLOW_UP_SELECT,
  type FollowUpRow,
  followUpRooms,
  followUpRows,
  followUpView,
  inTransaction,
  writeAudit,
} from '@korgon/db';
import {
  type AuditAction,
  type ChainEntry,
  type Clock,
  type ConsultationData,
  can,
  type FollowUp,
  type FollowUpList,
  followUpRaiseJob,
  type LocalizedText,
  MethodologyAction,
  planFollowUps,
  rooms,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import { open, type SealKey, seal } from '@korgon/signing';
import type pg from 'pg';
import { z } from 'zod';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { KorgonIo } from '../../plugins/socket';
import type { SessionUser } from '../auth/repository';

type Q = Pick<pg.PoolClient, 'query'>;

export interface FollowUpsDeps {
  pool: pg.Pool;
  key: SealKey;
  io: KorgonIo;
  jobs: SafeJobs;
  clock: Clock;
  /** Days before a temporary order expires that its check-in is due (FOLLOW_UP_ORDER_CHECKIN_DAYS). */
  orderCheckinDays: number;
  /** After every change pushed (the board's figures count overdue follow-ups). */
  changed?: () => void;
}

const Actions = z.array(MethodologyAction);

/**
 * Follow-ups (docs/domain.md §10): made in the transaction that finalizes a consultation, raised by their
 * delayed job (the worker), worked from the desk's and the board's worklists, and done by the consultation
 * that a call-back opens. Every change is audited and pushed to the assignee (or the shift) and the
 * supervisors.
 */
export function createFollowUpsService(d: FollowUpsDeps) {
  const { pool, key, clock } = d;
  const reasonAad = (id: string) => `${id}:reason`;
  const openReason = (r: FollowUpRow) =>
    r.reason_sealed && r.key_version !== null
      ? open(key, reasonAad(r.id), r.reason_sealed, r.key_version)
      : null;
  const viewOf = (r: FollowUpRow) => followUpView(r, clock.now(), openReason);

  /** Pushes the follow-ups to their people; `alsoTo`: rooms that must hear too (a previous assignee). */
  async function publish(ids: readonly string[], alsoTo: readonly string[] = []): Promise<FollowUp[]> {
    const views = (await followUpRows(pool, ids)).map(viewOf);
    for (const v of views) d.io.to([...followUpRooms(v), ...alsoTo]).emit('follow-up:changed', v);
    if (views.length > 0) d.changed?.();
    return views;
  }

  const audit = (q: Q, actor: SessionUser | null, action: AuditAction, id: string, details = {}) =>
    writeAudit(q, {
      action,
      actorId: actor?.id ?? null,
      actorRole: actor?.role ?? null,
      targetType: 'follow_up',
      targetId: id,
      details,
    });

  /** The row under lock, or a 404; and whether this person may act on it. */
  async function lockedForActor(c: Q, id: string, actor: SessionUser) {
    const { rows } = await c.query<{
      id: string;
      state: string;
      assignee_id: string | null;
      assignee_name: string | null;
      consultation_id: string;
    }>(
      `SELECT f.id, f.state, f.assignee_id, u.display_name AS assignee_name, f.consultation_id
         FROM follow_ups f LEFT JOIN users u ON u.id = f.assignee_id WHERE f.id = $1 FOR UPDATE OF f`,
      [id],
    );
    const f = rows[0];
    if (!f) throw new NotFoundError('That follow-up');
    if (f.state !== 'due') throw new ConflictError(`This follow-up is ${f.state} already.`);
    if (f.assignee_id && f.assignee_id !== actor.id && !can(actor.role, 'follow-up:manage'))
      throw new ForbiddenError(
        `This follow-up is ${f.assignee_name ?? 'another operator'}'s; a supervisor can hand it over.`,
      );
    return f;
  }

  async function close(
    id: string,
    state: 'missed' | 'cancelled',
    reason: string,
    actor: SessionUser,
  ): Promise<FollowUp> {
    await inTransaction(pool, async (c) => {
      await lockedForActor(c, id, actor);
      await c.query(
        `UPDATE follow_ups SET state = $2, reason_sealed = $3, key_version = $4, closed_at = $5, closed_by = $6,
                updated_at = now() WHERE id = $1`,
        [id, state, seal(key, reasonAad(id), reason), key.version, clock.now(), actor.id],
      );
      await audit(c, actor, state === 'missed' ? 'follow_up.missed' : 'follow_up.cancelled', id);
    });
    const [view] = await publish([id]);
    if (!view) throw new NotFoundError('That follow-up');
    return view;
  }

  return {
    publish,

    /**
     * The finalize hook (in the consultation's transaction): the follow-up this consultation did turns done, and
     * the follow-ups its data asks for are made (once: a consultation's source is unique). Their raise jobs are
     * added after the commit.
     */
    finalized: async (
      c: pg.PoolClient,
      k: { id: string; operator_id: string; data: ConsultationData; follow_up_id: string | null },
      actor: SessionUser,
    ): Promise<() => Promise<void>> => {
      const now = clock.now();
      const changed: string[] = [];
      if (k.follow_up_id) {
        const done = await c.query(
          `UPDATE follow_ups SET state = 'done', done_consultation_id = $2, closed_at = $3, closed_by = $4,
                  updated_at = now() WHERE id = $1 AND state = 'due' RETURNING id`,
          [k.follow_up_id, k.id, now, actor.id],
        );
        if (done.rowCount) {
          changed.push(k.follow_up_id);
          await audit(c, actor, 'follow_up.done', k.follow_up_id, { consultationId: k.id });
        }
      }
      const { rows: risk } = await c.query<{ final_level: string; actions: unknown }>(
        `SELECT r.final_level, m.document->'actions'->r.final_level AS actions
           FROM risk_assessments r
           LEFT JOIN methodology_versions m ON m.methodology_id = r.methodology_id AND m.version = r.methodology_version
          WHERE r.consultation_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 1`,
        [k.id],
      );
      const assessed = risk[0];
      const planned = planFollowUps({
        data: k.data,
        operatorId: k.operator_id,
        now,
        risk: assessed
          ? { finalLevel: assessed.final_level, actions: Actions.catch([]).parse(assessed.actions ?? []) }
          : null,
        orderCheckinDaysBefore: d.orderCheckinDays,
      });
      const made: { id: string; raise_at: Date }[] = [];
      for (const p of planned) {
        const { rows } = await c.query<{ id: string; raise_at: Date }>(
          `INSERT INTO follow_ups (consultation_id, kind, source, due_at, raise_at, window_from, window_to,
                                   assignee_id, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (consultation_id, source) DO NOTHING RETURNING id, raise_at`,
          [
            k.id,
            p.kind,
            p.source,
            p.dueAt,
            p.raiseAt,
            p.window?.from ?? null,
            p.window?.to ?? null,
            p.assigneeId,
            actor.id,
          ],
        );
        const row = rows[0];
        if (!row) continue;
        made.push(row);
        await audit(c, actor, 'follow_up.created', row.id, {
          consultationId: k.id,
          kind: p.kind,
          source: p.source,
          dueAt: p.dueAt.toISOString(),
          raiseAt: p.raiseAt.toISOString(),
          assigneeId: p.assigneeId,
        });
      }
      return async () => {
        await d.jobs.enqueue(made.map((m) => followUpRaiseJob(m.id, m.raise_at, clock)));
        if (changed.length > 0) await publish(changed);
      };
    },

    /**
     * A worklist: raised and still due (due, then overdue ones by time), then those closed in the last day;
     * `mine` is what is assigned to me, `shift` is what nobody holds (and for supervisors, everyone's).
     */
    async list(actor: SessionUser, scope: 'mine' | 'shift'): Promise<FollowUpList> {
      const now = clock.now();
      const everyone = scope === 'shift' && can(actor.role, 'follow-up:manage');
      // $1 is now; $2 the person, for "mine".
      const who = scope === 'mine' ? 'f.assignee_id = $2' : everyone ? 'true' : 'f.assignee_id IS NULL';
      const params = scope === 'mine' ? [now, actor.id] : [now];
      const [items, upcoming, next] = await Promise.all([
        pool.query<FollowUpRow>(
          `${FOLLOW_UP_SELECT}
            WHERE ${who}
              AND ((f.state = 'due' AND (f.raised_at IS NOT NULL OR f.raise_at <= $1))
                   OR f.closed_at >= $1::timestamptz - interval '1 day')
            ORDER BY (f.state = 'due') DESC, CASE WHEN f.state = 'due' THEN f.raise_at END ASC, f.closed_at DESC
            LIMIT 300`,
          params,
        ),
        pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM follow_ups f
            WHERE ${who} AND f.state = 'due' AND f.raised_at IS NULL AND f.raise_at > $1`,
          params,
        ),
        pool.query<FollowUpRow>(
          `${FOLLOW_UP_SELECT}
            WHERE ${who} AND f.state = 'due' AND f.raised_at IS NULL AND f.raise_at > $1
            ORDER BY f.raise_at, f.id LIMIT 100`,
          params,
        ),
      ]);
      return {
        items: items.rows.map((r) => followUpView(r, now, openReason)),
        upcoming: upcoming.rows[0]?.n ?? 0,
        upcomingItems: next.rows.map((r) => followUpView(r, now, openReason)),
        at: now.toISOString(),
      };
    },

    /** Takes one of the shift's follow-ups (nobody's yet) for oneself. */
    async take(id: string, actor: SessionUser): Promise<FollowUp> {
      await inTransaction(pool, async (c) => {
        const f = await lockedForActor(c, id, actor);
        if (f.assignee_id === actor.id) return;
        if (f.assignee_id)
          throw new ConflictError(`${f.assignee_name ?? 'Another operator'} holds this follow-up already.`);
        await c.query('UPDATE follow_ups SET assignee_id = $2, updated_at = now() WHERE id = $1', [
          id,
          actor.id,
        ]);
        await audit(c, actor, 'follow_up.taken', id);
      });
      const [view] = await publish([id]);
      if (!view) throw new NotFoundError('That follow-up');
      return view;
    },

    /**
     * A supervisor hands a follow-up to another operator (or supervisor), or back to the shift (null). Audited
     * with who had it and who has it now; pushed to both and to the board. A call-back already opened by the
     * one who had it must be finished or handed back first: its draft is hers.
     */
    async assign(id: string, assigneeId: string | null, actor: SessionUser): Promise<FollowUp> {
      if (!can(actor.role, 'follow-up:manage'))
        throw new ForbiddenError('Only a supervisor hands a follow-up to someone else.');
      let previous: string | null = null;
      const changed = await inTransaction(pool, async (c) => {
        const f = await lockedForActor(c, id, actor);
        if (f.assignee_id === assigneeId) return false;
        if (assigneeId) {
          const { rows } = await c.query<{ role: string; active: boolean; display_name: string }>(
            'SELECT role, active, display_name FROM users WHERE id = $1',
            [assigneeId],
          );
          const to = rows[0];
          if (!to) throw new AppError(400, 'invalid_request', 'That person does not exist; choose another.');
          if (!to.active)
            throw new AppError(
              400,
              'invalid_request',
              `${to.display_name}'s account is deactivated; choose another.`,
            );
          if (!can(to.role as SessionUser['role'], 'follow-up:work'))
            throw new AppError(
              400,
              'invalid_request',
              `${to.display_name} does not work follow-ups; choose an operator or a supervisor.`,
            );
        }
        const { rows: open } = await c.query<{ display_name: string }>(
          `SELECT u.display_name FROM consultations k JOIN users u ON u.id = k.operator_id
            WHERE k.follow_up_id = $1 AND k.status = 'draft' LIMIT 1`,
          [id],
        );
        if (open[0])
          throw new ConflictError(
            `${open[0].display_name} is calling back already (a draft is open); it can be handed over once that draft is finalized.`,
          );
        previous = f.assignee_id;
        await c.query('UPDATE follow_ups SET assignee_id = $2, updated_at = now() WHERE id = $1', [
          id,
          assigneeId,
        ]);
        await audit(c, actor, 'follow_up.assigned', id, { from: f.assignee_id, to: assigneeId });
        return true;
      });
      const was = previous as string | null;
      const [view] = changed
        ? await publish([id], [was ? rooms.user(was) : rooms.role('operator')])
        : (await followUpRows(pool, [id])).map(viewOf);
      if (!view) throw new NotFoundError('That follow-up');
      return view;
    },

    /**
     * Does it: opens (once) a call-back consultation linked to the earlier one, with this follow-up, as a draft
     * of the person who does it; a follow-up of the shift's becomes hers. A retry answers with the same draft.
     */
    async start(
      id: string,
      consultationId: string,
      actor: SessionUser,
    ): Promise<{ consultationId: string; followUp: FollowUp }> {
      const opened = await inTransaction(pool, async (c) => {
        const f = await lockedForActor(c, id, actor);
        const { rows: open } = await c.query<{ id: string; operator_id: string; display_name: string }>(
          `SELECT k.id, k.operator_id, u.display_name FROM consultations k JOIN users u ON u.id = k.operator_id
            WHERE k.follow_up_id = $1 AND k.status = 'draft' ORDER BY k.created_at DESC LIMIT 1`,
          [id],
        );
        const existing = open[0];
        if (existing) {
          if (existing.operator_id !== actor.id)
            throw new ConflictError(`${existing.display_name} is calling back already.`);
          return existing.id;
        }
        if (!f.assignee_id) {
          await c.query('UPDATE follow_ups SET assignee_id = $2, updated_at = now() WHERE id = $1', [
            id,
            actor.id,
          ]);
          await audit(c, actor, 'follow_up.taken', id);
        }
        const inserted = await c.query(
          `INSERT INTO consultations (id, channel, operator_id, caller_hash, caller_hash_key_version, taxonomy_version,
                                      previous_id, follow_up_id)
           SELECT $1, 'call_back', $2, p.caller_hash, p.caller_hash_key_version,
                  (SELECT version FROM taxonomy_versions WHERE active ORDER BY created_at DESC LIMIT 1), p.id, $3
             FROM consultations p WHERE p.id = $4
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [consultationId, actor.id, id, f.consultation_id],
        );
        if (!inserted.rowCount)
          throw new ConflictError('That consultation id is in use already; make a new one.');
        await audit(c, actor, 'follow_up.started', id, { consultationId });
        return consultationId;
      });
      const [view] = await publish([id]);
      if (!view) throw new NotFoundError('That follow-up');
      // The call-back's draft is hers: her other consoles list it in "My work".
      d.io.to(rooms.user(actor.id)).emit('my-work:changed', { consultationId: opened, change: 'created' });
      return { consultationId: opened, followUp: view };
    },

    missed: (id: string, reason: string, actor: SessionUser) => close(id, 'missed', reason, actor),
    cancel: (id: string, reason: string, actor: SessionUser) => close(id, 'cancelled', reason, actor),

    /**
     * The caller's anonymous case: every consultation linked to this one through previous_id (earlier and
     * later), oldest first, with risk levels, referrals and follow-ups; never free text, never identity. Every
     * contact in it recorded by someone else is a read of that consultation, audited as one.
     */
    async chain(id: string, actor: SessionUser): Promise<ChainEntry[]> {
      return inTransaction(pool, async (c) => {
        const { rows: own } = await c.query<{ operator_id: string }>(
          'SELECT operator_id FROM consultations WHERE id = $1',
          [id],
        );
        const found = own[0];
        if (!found) throw new NotFoundError('That consultation');
        if (found.operator_id !== actor.id && !can(actor.role, 'consultation:read-any'))
          throw new ForbiddenError('Only its author and supervisors can open this consultation.');
        const { rows } = await c.query<{
          id: string;
          reference: string | null;
          previous_id: string | null;
          operator_id: string;
          follow_up_kind: ChainEntry['followUpKind'];
          channel: string;
          status: 'draft' | 'final';
          created_at: Date;
          finalized_at: Date | null;
          risk_level: string | null;
          referrals: {
            id: string;
            reference: string | null;
            partner: LocalizedText;
            status: string;
            created_at: string;
          }[];
          follow_ups: { id: string; kind: ChainEntry['followUpKind']; state: string; due_at: string }[];
        }>(
          `WITH RECURSIVE up AS (
             SELECT id, previous_id, 0 AS depth FROM consultations WHERE id = $1
             UNION ALL
             SELECT p.id, p.previous_id, up.depth + 1 FROM consultations p JOIN up ON p.id = up.previous_id
              WHERE up.depth < 100
           ), root AS (SELECT id FROM up ORDER BY depth DESC LIMIT 1),
           down AS (
             SELECT id, 0 AS depth FROM root
             UNION ALL
             SELECT k.id, down.depth + 1 FROM consultations k JOIN down ON k.previous_id = down.id
              WHERE down.depth < 100
           )
           SELECT k.id, to_jsonb(k)->>'reference' AS reference, k.previous_id, k.operator_id,
                  (SELECT f.kind FROM follow_ups f WHERE f.id = k.follow_up_id) AS follow_up_kind,
                  k.channel, k.status, k.created_at, k.finalized_at,
                  (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = k.id
                    ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS risk_level,
                  COALESCE((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'reference', to_jsonb(x)->>'reference',
                                    'partner', p.name, 'status', x.status, 'created_at', x.created_at)
                                    ORDER BY x.created_at)
                              FROM referrals x JOIN partner_orgs p ON p.id = x.partner_org_id
                             WHERE x.consultation_id = k.id), '[]'::jsonb) AS referrals,
                  COALESCE((SELECT jsonb_agg(jsonb_build_object('id', f.id, 'kind', f.kind, 'state', f.state,
                                    'due_at', f.due_at) ORDER BY f.due_at)
                              FROM follow_ups f WHERE f.consultation_id = k.id), '[]'::jsonb) AS follow_ups
             FROM consultations k WHERE k.id IN (SELECT DISTINCT id FROM down)
            ORDER BY k.created_at, k.id LIMIT 200`,
          [id],
        );
        for (const r of rows)
          if (r.operator_id !== actor.id)
            await writeAudit(c, {
              action: 'consultation.read',
              actorId: actor.id,
              actorRole: actor.role,
              targetType: 'consultation',
              targetId: r.id,
              details: { via: 'chain', from: id },
            });
        const iso = (v: string) => new Date(v).toISOString();
        return rows.map((r) => ({
          id: r.id,
          reference: r.reference,
          previousId: r.previous_id,
          followUpKind: r.follow_up_kind,
          channel: r.channel,
          status: r.status,
          createdAt: r.created_at.toISOString(),
          finalizedAt: r.finalized_at?.toISOString() ?? null,
          riskLevel: r.risk_level,
          current: r.id === id,
          referrals: r.referrals.map((x) => ({
            id: x.id,
            reference: x.reference,
            partner: x.partner,
            status: x.status,
            createdAt: iso(x.created_at),
          })),
          followUps: r.follow_ups.map((f) => ({
            id: f.id,
            kind: f.kind ?? 'callback',
            state: f.state as ChainEntry['followUps'][number]['state'],
            dueAt: iso(f.due_at),
          })),
        }));
      });
    },
  };
}
export type FollowUpsService = ReturnType<typeof createFollowUpsService>;
