import http from 'node:http';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Percentiles {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentiles of `values` (milliseconds). */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0)
    return {
      count: 0,
      p50_ms: Number.NaN,
      p95_ms: Number.NaN,
      p99_ms: Number.NaN,
      max_ms: Number.NaN,
      mean_ms: Number.NaN,
    };
  const at = (q: number) => round(sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? Number.NaN);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    p50_ms: at(0.5),
    p95_ms: at(0.95),
    p99_ms: at(0.99),
    max_ms: round(sorted[n - 1] ?? Number.NaN),
    mean_ms: round(sum / n),
  };
}

export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? round(a / b) : null);

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with node:http (keep-alive agents, an optional source address on the loopback). */
export function request(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: http.Agent;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body !== undefined && { 'content-length': String(Buffer.byteLength(opts.body)) }),
          ...opts.headers,
        },
        agent: opts.agent,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${opts.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The cookie pair (name=value) from a response's Set-Cookie. */
export function cookieOf(res: HttpResult): string {
  const set = res.headers['set-cookie']?.[0];
  if (!set) throw new Error(`no session cookie in the answer (${res.status}): ${res.body.slice(0, 200)}`);
  return set.split(';')[0] as string;
}
