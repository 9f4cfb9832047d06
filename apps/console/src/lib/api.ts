import { ErrorBody, type ErrorCode } from '@korgon/domain';

/** Anything with a zod-like `parse`: every answer is checked against the shared contract. */
export interface Parser<T> {
  parse(data: unknown): T;
}

/** Codes the console adds for failures that never reached the server or came back malformed. */
export type ClientErrorCode = 'network' | 'bad_response';

/** A failed call: an error answer from the API, no answer at all (status 0), or an answer that broke the contract. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;
  /** The answer as sent, for errors that carry more than ErrorBody (a 409 with the current record). */
  readonly data: unknown;

  constructor(status: number, body: ErrorBody, data?: unknown) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.data = data;
  }

  get code(): ErrorCode | ClientErrorCode | (string & {}) {
    return this.body.code;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** Called on any 401 that is not expected (the session ended while the console was open). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  parse: Parser<T>;
  /** A 401 is an ordinary answer here (sign-in, the first look at /me), not a lost session. */
  expectUnauthenticated?: boolean;
  /** Give up after this long and report it as no answer (status 0), so a hung connection can be retried. */
  timeoutMs?: number;
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorBodyOf(response: Response, data: unknown): ErrorBody {
  const parsed = ErrorBody.safeParse(data);
  const body: ErrorBody = parsed.success
    ? parsed.data
    : {
        code: STATUS_CODES[response.status] ?? 'internal',
        message: response.statusText || `HTTP ${response.status}`,
      };
  if (body.retryAfterSeconds === undefined) {
    const header = Number(response.headers.get('retry-after'));
    if (Number.isInteger(header) && header > 0) body.retryAfterSeconds = header;
  }
  return body;
}

export async function request<T>(path: string, options: RequestOptions<T>): Promise<T> {
  const controller = options.timeoutMs ? new AbortController() : null;
  const timer = controller ? window.setTimeout(() => controller.abort(), options.timeoutMs) : undefined;
  try {
    return await send(path, options, controller?.signal);
  } finally {
    window.clearTimeout(timer);
  }
}

async function send<T>(path: string, options: RequestOptions<T>, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
  };
  if (signal) init.signal = signal;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { code: 'network', message: 'The server cannot be reached.' });
  }

  const data = await readJson(response);
  if (!response.ok) {
    if (response.status === 401 && !options.expectUnauthenticated) onUnauthorized?.();
    throw new ApiError(response.status, errorBodyOf(response, data), data);
  }
  try {
    return options.parse.parse(data);
  } catch {
    throw new ApiError(response.status, { code: 'bad_response', message: `Unexpected answer from ${path}.` });
  }
}

export const api = {
  get: <T>(path: string, parse: Parser<T>, expectUnauthenticated = false) =>
    request(path, { parse, expectUnauthenticated }),
  post: <T>(path: string, body: unknown, parse: Parser<T>, expectUnauthenticated = false) =>
    request(path, { method: 'POST', body, parse, expectUnauthenticated }),
  put: <T>(path: string, body: unknown, parse: Parser<T>) => request(path, { method: 'PUT', body, parse }),
  patch: <T>(path: string, body: unknown, parse: Parser<T>) =>
    request(path, { method: 'PATCH', body, parse }),
  delete: <T>(path: string, parse: Parser<T>) => request(path, { method: 'DELETE', parse }),
};
