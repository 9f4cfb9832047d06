import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type ActiveCallsBody as ActiveCalls,
  ActiveCallsBody,
  TelephonyBody,
  type TelephonyEvent,
} from '@korgon/domain';
import { verify } from '@korgon/signing';

export interface RecordedRequest {
  path: string;
  contentType: string | undefined;
  signatureValid: boolean;
  events: TelephonyEvent[];
  /** The body of a POST /api/telephony/active-calls. */
  activeCalls?: ActiveCalls;
  status: number;
}

export interface Reply {
  status: number;
  body: unknown;
}

/**
 * Plays Korgon's POST /api/telephony/events: verifies each request's signature with @korgon/signing (401 if
 * bad), validates the body with the domain schema (400), stores events once per eventId (200 with counts).
 * `override` lets a test answer differently (503, 400, 401) for a while.
 */
export class FakeKorgon {
  readonly requests: RecordedRequest[] = [];
  readonly stored: TelephonyEvent[] = [];
  override: ((request: RecordedRequest) => Reply | undefined) | undefined;

  private constructor(
    private readonly server: Server,
    private readonly secret: string,
  ) {}

  static async start(secret: string, port = 0): Promise<FakeKorgon> {
    const server = createServer();
    const fake = new FakeKorgon(server, secret);
    server.on('request', (req, res) => void fake.#handle(req, res));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  storedTypes(): string[] {
    return this.stored.map((e) => `${e.callId} ${e.type}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verdict = verify(this.secret, header('x-korgon-timestamp'), header('x-korgon-signature'), raw);
    const path = req.url ?? '';
    const active = path.endsWith('/active-calls');
    const json = parseJson(raw.toString('utf8'));
    const parsed = active ? ActiveCallsBody.safeParse(json) : TelephonyBody.safeParse(json);
    const events = (
      parsed.success && !active ? (Array.isArray(parsed.data) ? parsed.data : [parsed.data]) : []
    ) as TelephonyEvent[];
    const request: RecordedRequest = {
      path,
      contentType: header('content-type'),
      signatureValid: verdict.ok,
      events,
      ...(active && parsed.success ? { activeCalls: parsed.data as ActiveCalls } : {}),
      status: 0,
    };
    this.requests.push(request);
    let reply = this.override?.(request);
    if (!reply && !verdict.ok) reply = { status: 401, body: { code: 'bad_signature', message: 'signature' } };
    if (!reply && !parsed.success) {
      reply = {
        status: 400,
        body: { code: 'validation', message: 'invalid events', issues: parsed.error.issues },
      };
    }
    if (!reply && request.activeCalls) {
      reply = { status: 200, body: { active: request.activeCalls.callIds.length, closed: 0 } };
    }
    if (!reply) {
      let stored = 0;
      for (const e of events) {
        if (this.stored.some((s) => s.eventId === e.eventId)) continue;
        this.stored.push(e);
        stored += 1;
      }
      reply = { status: 200, body: { received: events.length, stored, duplicates: events.length - stored } };
    }
    request.status = reply.status;
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
