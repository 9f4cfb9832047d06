import type { ErrorCode, SignInThrottle } from '@korgon/domain';

/** A failure the person can act on: a 4xx with a stable code and a clear message. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      retryAfterSeconds?: number;
      /** On a 429 of sign-in: which limit was reached. */
      throttle?: SignInThrottle;
      issues?: { path: string; message: string; code?: string }[];
      /** The record as it is now (revision conflicts). */
      current?: unknown;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Sign in to continue: there is no valid session.') {
    super(401, 'unauthenticated', message);
  }
}
export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The username or password is not correct. Check both and try again.');
  }
}
export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this action.') {
    super(403, 'forbidden', message);
  }
}
export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} was not found.`);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, extra: AppError['extra'] = {}) {
    super(409, 'conflict', message, extra);
  }
}
export class TooManyRequestsError extends AppError {
  constructor(message: string, retryAfterSeconds: number, throttle?: SignInThrottle) {
    super(
      429,
      'too_many_requests',
      message,
      throttle ? { retryAfterSeconds, throttle } : { retryAfterSeconds },
    );
  }
}

/** The SQLSTATE of a PostgreSQL error, looking through wrappers (drizzle wraps driver errors in `cause`). */
export function pgErrorCode(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** PostgreSQL unique violation, for repositories that turn it into a named error. */
export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';
/** PostgreSQL foreign-key violation: the row refers to something that does not exist. */
export const isForeignKeyViolation = (err: unknown) => pgErrorCode(err) === '23503';
