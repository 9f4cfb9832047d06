import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeHandle, startBridge } from './bridge';
import { EXPECTED } from './fixtures/expected';
import { captureLog, ERROR, WARN } from './testing/capture-log';
import { FakeAmi } from './testing/fake-ami';
import { FakeKorgon } from './testing/fake-korgon';
import { channelsAnswer, type FixtureName, fixtureEvents, fixtureEventsUntil } from './testing/fixtures';
import { waitFor } from './testing/wait';

const SECRET = 'bridge-test-telephony-secret-0123456789';
const AMI_USER = 'korgon';
const AMI_SECRET = 'ami-test-secret';
/** Every caller number in the fixtures, in any of its spellings; none may reach a log line. */
const CALLER_DIGITS = ['555123456', '700111222', '312900100', '772123456'];

const ids = (name: FixtureName) => EXPECTED[name].map((e) => e.eventId);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('bridge: Asterisk AMI → signed Korgon telephony events', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(opts: { korgonPort?: number; korgon?: boolean; responseTimeoutMs?: number } = {}) {
    const ami = await FakeAmi.start(AMI_USER, AMI_SECRET);
    cleanup.push(() => ami.close());
    const korgon = opts.korgon === false ? undefined : await FakeKorgon.start(SECRET);
    if (korgon) cleanup.push(() => korgon.close());
    const capture = captureLog();
    const korgonUrl = korgon?.url ?? `http://127.0.0.1:${opts.korgonPort}`;
    const bridge: BridgeHandle = startBridge({
      ami: {
        host: '127.0.0.1',
        port: ami.port,
        username: AMI_USER,
        secret: AMI_SECRET,
        pingIntervalMs: 100,
        responseTimeoutMs: opts.responseTimeoutMs ?? 5_000,
        backoff: { baseMs: 20, capMs: 200 },
      },
      korgonUrl,
      telephonySecret: SECRET,
      log: capture.log,
      poster: { backoff: { baseMs: 20, capMs: 200 } },
      flushTimeoutMs: 3_000,
    });
    cleanup.push(() => bridge.stop());
    const loggedIn = async (n: number) => {
      await waitFor(() => ami.logins >= n && bridge.amiLoggedIn, `AMI login #${n}`);
    };
    const replay = (name: FixtureName) => {
      for (const event of fixtureEvents(name)) ami.send(event);
    };
    const logged = (msg: string) => capture.lines.filter((l) => l.msg?.includes(msg));
    return { ami, korgon, bridge, loggedIn, replay, logged, ...capture };
  }

  it('logs in, then posts a session as signed events, in order, with E.164 caller numbers', async () => {
    const { ami, korgon, loggedIn, replay, text } = await setup();
    await loggedIn(1);
    expect(ami.actions[0]?.fields).toMatchObject({
      Action: 'Login',
      Username: AMI_USER,
      Secret: AMI_SECRET,
      Events: 'on',
    });
    replay('queue-answered');
    replay('queue-anonymous');
    const expected = [...EXPECTED['queue-answered'], ...EXPECTED['queue-anonymous']];
    await waitFor(() => korgon?.stored.length === expected.length, 'every event');

    expect(korgon?.stored).toEqual(expected);
    expect(korgon?.requests.every((r) => r.signatureValid && r.contentType === 'application/json')).toBe(
      true,
    );
    expect(korgon?.requests.every((r) => r.status === 200)).toBe(true);
    await waitFor(() => ami.actions.some((a) => a.action === 'Ping'), 'a keep-alive Ping');
    for (const digits of CALLER_DIGITS) expect(text()).not.toContain(digits);
  });

  it('buffers while Korgon answers 503 and delivers everything after, none lost, none reordered', async () => {
    const { korgon, bridge, loggedIn, replay } = await setup();
    if (!korgon) throw new Error('no korgon');
    korgon.override = () => ({ status: 503, body: { code: 'unavailable', message: 'restarting' } });
    await loggedIn(1);
    replay('queue-answered');
    replay('queue-abandoned');
    await waitFor(() => korgon.requests.length >= 3, 'three refused attempts');
    replay('queue-transfer');
    await waitFor(() => bridge.pending === 14, 'all 14 events buffered');
    korgon.override = undefined;
    await waitFor(() => bridge.pending === 0, 'the buffer to drain');

    expect(korgon.stored.map((e) => e.eventId)).toEqual([
      ...ids('queue-answered'),
      ...ids('queue-abandoned'),
      ...ids('queue-transfer'),
    ]);
  });

  it('buffers while Korgon is down (connection refused) and delivers once it is up', async () => {
    const port = await freePort();
    const { loggedIn, replay, bridge, logged } = await setup({ korgon: false, korgonPort: port });
    await loggedIn(1);
    replay('queue-transfer');
    await waitFor(() => logged('Korgon unreachable').length >= 2, 'failed attempts');
    await waitFor(() => bridge.pending === 8, 'all 8 events buffered');
    const korgon = await FakeKorgon.start(SECRET, port);
    cleanup.push(() => korgon.close());
    await waitFor(() => korgon.stored.length === 8, 'the backlog');
    expect(korgon.stored).toEqual(EXPECTED['queue-transfer']);
  });

  it('reconnects with backoff and logs in again when the AMI link drops', async () => {
    const { ami, korgon, loggedIn, replay, logged } = await setup();
    await loggedIn(1);
    replay('queue-answered');
    await waitFor(() => korgon?.stored.length === 3, 'the first session');
    ami.dropConnections();
    await loggedIn(2);
    replay('queue-abandoned');
    await waitFor(() => korgon?.stored.length === 6, 'the session after the reconnect');

    expect(korgon?.stored.map((e) => e.eventId)).toEqual([
      ...ids('queue-answered'),
      ...ids('queue-abandoned'),
    ]);
    const lost = logged('AMI connection lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ level: WARN, attempt: 1 });
    expect(lost[0]?.delayMs).toBeGreaterThan(0);
    expect(ami.actions.filter((a) => a.action === 'Login')).toHaveLength(2);
  });

  it('posts the calls Asterisk lists (CoreShowChannels) on every login, after the events received before it', async () => {
    const { ami, korgon, bridge, loggedIn, logged } = await setup();
    if (!korgon) throw new Error('no korgon');
    ami.channels = channelsAnswer;
    await loggedIn(1);
    await waitFor(() => korgon.requests.some((r) => r.activeCalls), 'the first list of active calls');
    const first = korgon.requests.find((r) => r.activeCalls);
    expect(first?.path).toBe('/api/telephony/active-calls');
    expect(first?.signatureValid).toBe(true);
    // The recorded answer: a caller waiting in queue 5200 and an internal call between 103 and 104.
    expect(first?.activeCalls?.callIds).toEqual(['1764062000.40', '1764062010.95']);
    expect(Date.parse(first?.activeCalls?.at ?? '')).not.toBeNaN();

    // The caller listed as waiting is followed although the bridge never saw it join: its hangup ends it.
    const hangup = fixtureEvents('queue-abandoned')
      .filter((e) => e.startsWith('Event: Hangup\r\n'))
      .at(-1);
    ami.send(hangup ?? '');
    await waitFor(() => korgon.stored.some((e) => e.type === 'call.ended'), 'the adopted call ended');
    expect(korgon.stored.find((e) => e.type === 'call.ended')?.callId).toBe('1764062000.40');

    // A call answered, then the link drops before its hangup: on the next login the list comes after the
    // events received before the drop, and the call the bridge followed but Asterisk no longer lists is forgotten.
    korgon.override = (r) => (r.activeCalls ? undefined : { status: 503, body: { message: 'busy' } });
    for (const e of fixtureEventsUntil('queue-answered', 'AgentComplete')) ami.send(e);
    await waitFor(() => bridge.pending >= 2, 'events held back');
    korgon.override = undefined;
    ami.dropConnections();
    await loggedIn(2);
    await waitFor(
      () => korgon.requests.filter((r) => r.activeCalls).length >= 2,
      'the list after the reconnect',
    );
    const order = korgon.requests
      .filter((r) => r.status === 200)
      .map((r) => (r.activeCalls ? 'list' : r.events.map((e) => e.type).join(',')));
    expect(order.at(-1)).toBe('list');
    expect(order.indexOf('list', 1)).toBeGreaterThan(order.findIndex((o) => o.includes('call.answered')));
    // The answered call's hangup, should it come now, is no call of the bridge's any more: nothing is sent.
    const before = korgon.stored.length;
    const answeredHangup = fixtureEvents('queue-answered').filter((e) => e.startsWith('Event: Hangup\r\n'));
    for (const e of answeredHangup) ami.send(e);
    await new Promise((r) => setTimeout(r, 200));
    expect(korgon.stored.length).toBe(before);
    expect(logged('active calls listed by Asterisk').length).toBeGreaterThanOrEqual(2);
  });

  it('posts no list when Asterisk refuses CoreShowChannels, and says why', async () => {
    const { korgon, loggedIn, logged } = await setup();
    await loggedIn(1);
    await waitFor(() => logged('could not list the active calls').length === 1, 'the warning');
    expect(korgon?.requests.some((r) => r.activeCalls)).toBe(false);
  });

  it('drops a batch Korgon rejects with 400, logs its message, and goes on with the next', async () => {
    const { korgon, bridge, loggedIn, replay, logged, text } = await setup();
    if (!korgon) throw new Error('no korgon');
    const refused = EXPECTED['queue-answered'][0]?.callId;
    korgon.override = (r) =>
      r.events.some((e) => e.callId === refused)
        ? {
            status: 400,
            body: {
              code: 'validation_failed',
              message: 'callerNumber must be an E.164 number such as +996555123456',
              issues: [{ path: [0, 'callerNumber'], message: 'Invalid string' }],
            },
          }
        : undefined;
    await loggedIn(1);
    replay('queue-answered');
    await waitFor(() => logged('rejected a batch').length >= 1, 'the rejection to be logged');
    replay('queue-abandoned');
    await waitFor(() => korgon.stored.length === 3, 'the next session');
    expect(bridge.pending).toBe(0);

    expect(korgon.stored.map((e) => e.eventId)).toEqual(ids('queue-abandoned'));
    const line = logged('rejected a batch')[0];
    expect(line).toMatchObject({ level: ERROR, status: 400, code: 'validation_failed' });
    expect(line?.reason).toContain('callerNumber must be an E.164 number');
    expect(line?.issues).toEqual([{ path: '0.callerNumber', message: 'Invalid string' }]);
    for (const digits of CALLER_DIGITS) expect(text()).not.toContain(digits);
  });

  it('retries after a 401 (bad signature or clock skew) until Korgon accepts', async () => {
    const { korgon, loggedIn, replay, logged } = await setup();
    if (!korgon) throw new Error('no korgon');
    korgon.override = (r) =>
      korgon.requests.indexOf(r) < 2 ? { status: 401, body: { message: 'stale' } } : undefined;
    await loggedIn(1);
    replay('queue-abandoned');
    await waitFor(() => korgon.stored.length === 3, 'delivery after the 401s');
    expect(korgon.stored).toEqual(EXPECTED['queue-abandoned']);
    expect(logged('refused the signature').length).toBeGreaterThanOrEqual(2);
  });

  it('retries a rejected Login with backoff until it is accepted', async () => {
    const { ami, korgon, loggedIn, replay, logged } = await setup();
    ami.rejectLogins = 2;
    await loggedIn(1);
    expect(ami.loginAttempts).toBe(3);
    const rejections = logged('AMI login rejected');
    expect(rejections).toHaveLength(2);
    expect(rejections[0]).toMatchObject({ level: ERROR, reason: 'Authentication failed' });
    expect(JSON.stringify(rejections)).not.toContain(AMI_SECRET);
    replay('queue-abandoned');
    await waitFor(() => korgon?.stored.length === 3, 'events after the late login');
  });

  it('drops a link whose pings go unanswered and logs in again', async () => {
    const { ami, loggedIn, logged } = await setup({ responseTimeoutMs: 300 });
    await loggedIn(1);
    ami.answerPings = false;
    await waitFor(() => logged('AMI ping unanswered').length === 1, 'the dead link to be noticed');
    ami.answerPings = true;
    await loggedIn(2);
  });

  it('stop() flushes the buffer to Korgon, then logs off', async () => {
    const { ami, korgon, bridge, loggedIn, replay } = await setup();
    if (!korgon) throw new Error('no korgon');
    korgon.override = () => ({ status: 502, body: {} });
    await loggedIn(1);
    replay('queue-answered');
    await waitFor(() => bridge.pending === 3 && korgon.requests.length >= 2, 'events held back');
    korgon.override = undefined;
    await bridge.stop();

    expect(korgon.stored).toEqual(EXPECTED['queue-answered']);
    expect(ami.actions.at(-1)?.action).toBe('Logoff');
    expect(bridge.amiLoggedIn).toBe(false);
  });
});
