import {
  type ConsoleSocket,
  callEvent,
  connectConsole,
  createTestApp,
  dumpDatabaseText,
  postEvents,
  signIn,
  TEST_PASSWORD,
  type TestApp,
} from '@korgon/dev/testing';
import type { HandoverList, HandoverNote } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The shift hand-over note (docs/board.md, "Acting"): sealed at rest, audited, shown to every other supervisor
 * with what is open now (alerts, urgent referrals awaiting acknowledgement, overdue follow-ups) until one of
 * them marks it read.
 */
let t: TestApp;
const sockets: ConsoleSocket[] = [];
let outgoing: string;
let incoming: string;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'handover' });
  // A second supervisor: the next shift.
  await t.db.pool.query(
    `INSERT INTO users (username, display_name, password_hash, role)
     SELECT 'supervisor2', 'Гүлнара Токтогулова', password_hash, 'supervisor' FROM users WHERE username = 'supervisor'`,
  );
  outgoing = await signIn(t.app, 'supervisor');
  incoming = await signIn(t.app, 'supervisor2', TEST_PASSWORD);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

async function call(cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      cookie,
      origin: t.baseUrl,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const one = async <T>(sql: string, params: unknown[] = []) =>
  (await t.db.pool.query(sql, params)).rows[0] as T;
const userIdOf = async (username: string) =>
  (await one<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).id;
const audits = async (action: string, targetId: string) =>
  (
    await t.db.pool.query<{ actor_id: string; details: Record<string, unknown> }>(
      'SELECT actor_id, details FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY id',
      [action, targetId],
    )
  ).rows;
/** Display names come from the demo's seed, which may rename people: read them, do not copy them. */
const nameOf = async (username: string) =>
  (await one<{ display_name: string }>('SELECT display_name FROM users WHERE username = $1', [username]))
    .display_name;
const list = async (cookie: string) => {
  const res = await call(cookie, 'GET', '/api/board/handover');
  expect(res.status).toBe(200);
  return res.body as HandoverList;
};

const NOTE =
  'Ночная смена: K-2026 оператор Айгүл взяла перерыв после тяжёлого звонка; полиция Свердловского района не ответила.';

describe('the hand-over note', () => {
  it('is sealed at rest, audited, pushed, and shown to the other supervisors until one marks it read', async () => {
    const socket = await connectConsole(t.baseUrl, incoming);
    sockets.push(socket);
    const pushes: { noteId: string; change: string }[] = [];
    socket.on('board:handover', (e) => pushes.push(e));

    const written = await call(outgoing, 'POST', '/api/board/handover', { body: `  ${NOTE}\n` });
    expect(written.status).toBe(201);
    const note = written.body as HandoverNote;
    const outgoingId = await userIdOf('supervisor');
    expect(note).toMatchObject({ body: NOTE, author: { id: outgoingId }, readAt: null, readBy: null });

    // At rest: never in clear, anywhere in the database.
    const row = await one<{ body_sealed: Buffer; key_version: number }>(
      'SELECT body_sealed, key_version FROM handover_notes WHERE id = $1',
      [note.id],
    );
    expect(row.key_version).toBe(1);
    expect(row.body_sealed.includes(Buffer.from('Ночная смена'))).toBe(false);
    const dump = await dumpDatabaseText(t.databaseUrl);
    expect(dump.text).not.toContain('Ночная смена');
    expect(dump.text).not.toContain('Свердловского');
    expect(await audits('handover.written', note.id)).toEqual([
      { actor_id: outgoingId, details: { chars: NOTE.length } },
    ]);

    // Pushed (its id only) to the supervisors, whose boards read it.
    for (let until = Date.now() + 5000; pushes.length === 0 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 20));
    expect(pushes).toEqual([{ noteId: note.id, change: 'written' }]);

    // The incoming supervisor sees it, newest first; its author does not.
    const later = await call(outgoing, 'POST', '/api/board/handover', { body: 'Second note' });
    const forIncoming = await list(incoming);
    expect(forIncoming.notes.map((n) => n.id)).toEqual([later.body.id, note.id]);
    expect(forIncoming.notes[1]).toMatchObject({
      body: NOTE,
      author: { displayName: await nameOf('supervisor') },
    });
    expect((await list(outgoing)).notes).toEqual([]);

    // Its author cannot mark it read; the incoming supervisor does, once.
    expect((await call(outgoing, 'POST', `/api/board/handover/${note.id}/read`)).status).toBe(403);
    const read = await call(incoming, 'POST', `/api/board/handover/${note.id}/read`);
    expect(read.status).toBe(200);
    const incomingId = await userIdOf('supervisor2');
    expect(read.body).toMatchObject({ id: note.id, readBy: { id: incomingId } });
    expect(await audits('handover.read', note.id)).toEqual([
      { actor_id: incomingId, details: { authorId: outgoingId } },
    ]);
    for (let until = Date.now() + 5000; pushes.length < 3 && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 20));
    expect(pushes).toContainEqual({ noteId: note.id, change: 'read' });
    expect((await list(incoming)).notes.map((n) => n.id)).toEqual([later.body.id]);
    const again = await call(incoming, 'POST', `/api/board/handover/${note.id}/read`);
    expect(again.status).toBe(409);
    expect(await audits('handover.read', note.id)).toHaveLength(1);
  });

  it('lists open alerts, urgent referrals awaiting acknowledgement and overdue follow-ups, computed when read', async () => {
    const op = await userIdOf('operator1');
    const opCookie = await signIn(t.app, 'operator1');
    const consultationId = crypto.randomUUID();
    const created = await call(opCookie, 'PUT', `/api/consultations/${consultationId}`, {
      baseRevision: 0,
      channel: 'call_back',
      data: { contactKind: 'about_self' },
      secret: { notes: '', codeWord: '' },
    });
    expect(created.status).toBe(201);
    const { reference } = await one<{ reference: string }>(
      'SELECT reference FROM consultations WHERE id = $1',
      [consultationId],
    );
    const partner = await one<{ id: string; name: { ru: string } }>(
      "SELECT id, name FROM partner_orgs WHERE type = 'police' ORDER BY slug LIMIT 1",
    );

    // An urgent referral nobody acknowledged (escalating in 10 minutes), and one acknowledged (not listed).
    const awaiting: string = crypto.randomUUID();
    const acknowledged: string = crypto.randomUUID();
    const escalateAt = new Date(Date.now() + 10 * 60_000);
    await t.db.pool.query(
      `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, consent_basis, key_version, created_by,
                              escalate_at, acknowledged_at)
       VALUES ($1, $3, $4, 'urgent', 'delivered', 'caller_consent', 1, $5, $6, NULL),
              ($2, $3, $4, 'urgent', 'acknowledged', 'caller_consent', 1, $5, $6, now())`,
      [awaiting, acknowledged, consultationId, partner.id, op, escalateAt],
    );
    const { reference: referralReference } = await one<{ reference: string }>(
      'SELECT reference FROM referrals WHERE id = $1',
      [awaiting],
    );
    // A follow-up raised three hours ago with no window (overdue after two), one raised just now (not yet).
    const overdue = await one<{ id: string }>(
      `INSERT INTO follow_ups (consultation_id, kind, source, due_at, raise_at, raised_at, assignee_id, created_by)
       VALUES ($1, 'callback', 'handover-overdue', now() - interval '3 hours', now() - interval '3 hours',
               now() - interval '3 hours', $2, $2) RETURNING id`,
      [consultationId, op],
    );
    await t.db.pool.query(
      `INSERT INTO follow_ups (consultation_id, kind, source, due_at, raise_at, raised_at, created_by)
       VALUES ($1, 'callback', 'handover-due', now(), now(), now(), $2)`,
      [consultationId, op],
    );
    // An open alert about the referral, an acknowledged one about a waiting call, a resolved one (not listed).
    await postEvents(t.app, t.env.TELEPHONY_SECRET, callEvent('handover-wait', 'call.offered', new Date()));
    const { id: callId } = await one<{ id: string }>(
      "SELECT id FROM calls WHERE external_id = 'handover-wait'",
    );
    const alertIds: string[] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await t.db.pool.query(
      `INSERT INTO alerts (id, kind, cause_key, state, referral_id, call_id, operator_id, cause_at)
       VALUES ($1::uuid, 'referral_escalated', 'handover-test:' || $1::text, 'open', $4::uuid, NULL, $6::uuid,
               now() - interval '5 minutes'),
              ($2::uuid, 'long_wait', 'handover-test:' || $2::text, 'acknowledged', NULL, $5::uuid, NULL,
               now() - interval '2 minutes'),
              ($3::uuid, 'follow_up_overdue', 'handover-test:' || $3::text, 'resolved', NULL, NULL, NULL, now())`,
      [...alertIds, awaiting, callId, op],
    );

    const operatorName = await nameOf('operator1');
    const { open, serverTime } = await list(incoming);
    expect(Date.parse(serverTime)).toBeGreaterThan(0);
    const mine = open.alerts.filter((a) => alertIds.includes(a.id));
    expect(mine).toEqual([
      expect.objectContaining({
        id: alertIds[0],
        kind: 'referral_escalated',
        state: 'open',
        reference: referralReference,
        operator: operatorName,
      }),
      expect.objectContaining({ id: alertIds[1], kind: 'long_wait', state: 'acknowledged', reference: null }),
    ]);
    expect(open.urgentReferrals.filter((r) => [awaiting, acknowledged].includes(r.id))).toEqual([
      {
        id: awaiting,
        reference: referralReference,
        consultationId,
        partner: expect.objectContaining({ ru: partner.name.ru }),
        status: 'delivered',
        escalateAt: escalateAt.toISOString(),
      },
    ]);
    expect(open.overdueFollowUps.filter((f) => f.consultationId === consultationId)).toEqual([
      expect.objectContaining({ id: overdue.id, reference, assignee: operatorName }),
    ]);

    // Acknowledged at the partner: no longer awaiting.
    await t.db.pool.query(
      "UPDATE referrals SET status = 'acknowledged', acknowledged_at = now() WHERE id = $1",
      [awaiting],
    );
    expect((await list(incoming)).open.urgentReferrals.map((r) => r.id)).not.toContain(awaiting);
  });

  it('is for supervisors: 403 for operators; 400 for an empty or too long note or a bad id; 404 unknown', async () => {
    const op = await signIn(t.app, 'operator2');
    expect((await call(op, 'GET', '/api/board/handover')).status).toBe(403);
    expect((await call(op, 'POST', '/api/board/handover', { body: 'x' })).status).toBe(403);
    expect((await call(outgoing, 'POST', '/api/board/handover', { body: '   ' })).status).toBe(400);
    expect((await call(outgoing, 'POST', '/api/board/handover', { body: 'я'.repeat(4001) })).status).toBe(
      400,
    );
    expect((await call(outgoing, 'POST', '/api/board/handover', { body: 'я'.repeat(4000) })).status).toBe(
      201,
    );
    expect((await call(outgoing, 'POST', '/api/board/handover', { body: 'x', extra: 1 })).status).toBe(400);
    expect((await call(incoming, 'POST', '/api/board/handover/not-a-uuid/read')).status).toBe(400);
    expect((await call(incoming, 'POST', `/api/board/handover/${crypto.randomUUID()}/read`)).status).toBe(
      404,
    );
    const { notes } = await list(incoming);
    expect((await call(op, 'POST', `/api/board/handover/${notes[0]?.id}/read`)).status).toBe(403);
  });
});
