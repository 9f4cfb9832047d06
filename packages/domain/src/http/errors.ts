import { z } from 'zod';

/**
 * Which sign-in limit a 429 is about: failures on this account from this address, or from this known device;
 * from this address on any account; or on this account from everywhere (slows new devices only).
 */
export const SIGN_IN_THROTTLES = ['account_address', 'device', 'address', 'account'] as const;
export type SignInThrottle = (typeof SIGN_IN_THROTTLES)[number];

/** Every error the API sends has this shape; `issues` only on validation errors. */
export const ErrorBody = z
  .object({
    code: z.string().meta({ description: 'stable, machine-readable error key' }),
    message: z.string().meta({ description: 'what went wrong and what to do, for a person' }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional()
      .meta({ description: 'one entry per invalid field (validation errors only)' }),
    retryAfterSeconds: z.number().int().optional(),
    throttle: z
      .enum(SIGN_IN_THROTTLES)
      .optional()
      .meta({ description: 'on a 429 of sign-in: which limit was reached (see docs/decisions/0001)' }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const ERROR_CODES = [
  'invalid_request',
  'invalid_json',
  'unauthenticated',
  'invalid_credentials',
  'wrong_password',
  'wrong_code',
  'invalid_pairing_code',
  'pairing_code_expired',
  'forbidden',
  'password_change_required',
  'cross_origin',
  'not_found',
  'conflict',
  'incomplete',
  'too_many_requests',
  'payload_too_large',
  'unsupported_media_type',
  'internal',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const OkBody = z.object({ ok: z.literal(true) });
