import { ErrorBody, type ErrorCode } from '@korgon/domain';
import createClient, { type ClientPathsWithMethod, type MaybeOptionalInit } from 'openapi-fetch';
import type { paths } from './api-schema';

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

/** How one call is checked and bounded, next to the typed path, params and body of openapi-fetch. */
export interface CallOptions<T> {
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

/**
 * The typed transport: paths, params and bodies are checked against the server's OpenAPI document
 * (api-schema.d.ts, written by `pnpm api:types`). Answers are read as text and parsed here, so that an empty or
 * malformed answer becomes an ApiError instead of a JSON exception.
 */
const client = createClient<paths>({
  credentials: 'same-origin',
  cache: 'no-store',
  headers: { accept: 'application/json' },
});

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Client = typeof client;
type Init<M extends Method, P extends ClientPathsWithMethod<Client, M>> = MaybeOptionalInit<paths[P], M>;
type Call<M extends Method> = <P extends ClientPathsWithMethod<Client, M>, T>(
  path: P,
  init: NonNullable<Init<M, P>> & CallOptions<T>,
) => Promise<T>;

interface Sent {
  data?: unknown;
  error?: unknown;
  response: Response;
}
/** openapi-fetch's methods with their typing already applied at the call site (Call above). */
type Untyped = (path: string, init: Record<string, unknown>) => Promise<Sent>;

function jsonOf(text: unknown): unknown {
  if (typeof text !== 'string' || !text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function call<T>(
  send: Untyped,
  path: string,
  { parse, expectUnauthenticated, timeoutMs, ...init }: CallOptions<T> & Record<string, unknown>,
): Promise<T> {
  const controller = timeoutMs ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
  let sent: Sent;
  try {
    sent = await send(path, {
      ...init,
      parseAs: 'text',
      ...(controller ? { signal: controller.signal } : {}),
    });
  } catch {
    throw new ApiError(0, { code: 'network', message: 'The server cannot be reached.' });
  } finally {
    clearTimeout(timer);
  }
  const { response } = sent;
  if (!response.ok) {
    // openapi-fetch has already tried JSON on an error answer; what is still a string was not JSON.
    const data = typeof sent.error === 'string' ? undefined : sent.error;
    if (response.status === 401 && !expectUnauthenticated) onUnauthorized?.();
    throw new ApiError(response.status, errorBodyOf(response, data), data);
  }
  try {
    return parse.parse(jsonOf(sent.data));
  } catch {
    throw new ApiError(response.status, { code: 'bad_response', message: `Unexpected answer from ${path}.` });
  }
}

function method<M extends Method>(send: Untyped): Call<M> {
  return (path, init) => call(send, path as string, init as CallOptions<never> & Record<string, unknown>);
}

/**
 * `api.get('/api/admin/users/{id}', { params: { path: { id } }, parse: UserSummary })`: the path, params and
 * body as the server declares them, the answer as the shared zod contract reads it.
 */
export const api = {
  get: method<'get'>(client.GET as unknown as Untyped),
  post: method<'post'>(client.POST as unknown as Untyped),
  put: method<'put'>(client.PUT as unknown as Untyped),
  patch: method<'patch'>(client.PATCH as unknown as Untyped),
  delete: method<'delete'>(client.DELETE as unknown as Untyped),
};
