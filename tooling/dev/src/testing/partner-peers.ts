import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@korgon/signing';

export interface WebhookCall {
  idempotencyKey: string;
  body: {
    id: string;
    reference: string;
    urgency: string;
    content: Record<string, unknown>;
    statusUrl: string;
  };
  signatureOk: boolean;
  /** The request as received: method, path, headers and raw body (tests that search everything sent). */
  raw: string;
}

export type WebhookMode = 'ok' | 'error' | 'hang';

/**
 * A partner's system: a real HTTP server that checks every signature and records each referral's effect once
 * per Idempotency-Key (repeats are acknowledged but change nothing).
 */
export async function startWebhookPartner(secret: () => string) {
  const calls: WebhookCall[] = [];
  const effects = new Map<string, WebhookCall>();
  let mode: WebhookMode = 'ok';
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => resolve(data));
    });
  const server: Server = createServer(async (req, res) => {
    const raw = await read(req);
    const h = (n: string) =>
      Array.isArray(req.headers[n]) ? req.headers[n]?.[0] : (req.headers[n] as string | undefined);
    const signatureOk = verify(secret(), h('x-korgon-timestamp'), h('x-korgon-signature'), raw).ok;
    const call: WebhookCall = {
      idempotencyKey: h('idempotency-key') ?? '',
      body: JSON.parse(raw || '{}'),
      signatureOk,
      raw: `${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${raw}`,
    };
    calls.push(call);
    if (mode === 'hang') return; // never answers
    if (!signatureOk) {
      res.writeHead(401).end();
      return;
    }
    if (mode === 'error') {
      res.writeHead(500).end('partner system down');
      return;
    }
    if (!effects.has(call.idempotencyKey)) effects.set(call.idempotencyKey, call);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/referrals`,
    calls,
    effects,
    setMode: (m: WebhookMode) => {
      mode = m;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
