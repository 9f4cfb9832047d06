import { type Clock, ErrorBody, KeyStatus, ReencryptRun } from '@korgon/domain';
import {
  type CallerKeyring,
  expiredOldKeys,
  matchingUntil,
  type NotesKeyOptions,
  notesKeyringOf,
} from '@korgon/signing';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth';
import { createKeysService } from './service';

const tags = ['admin'];
const guarded = { 401: ErrorBody, 403: ErrorBody };
const config = { permission: 'keys:manage' as const };

export interface KeysOptions extends NotesKeyOptions {
  callerKeys: CallerKeyring;
  clock: Clock;
}

/** Key rotation: the key status and "Re-encrypt now" (docs/security.md "Key rotation"). Never key material. */
const keys: FastifyPluginAsyncZod<KeysOptions> = async (app, opts) => {
  const service = createKeysService({
    pool: app.pool,
    jobs: app.safeJobs,
    notes: notesKeyringOf(opts),
    callers: opts.callerKeys,
    clock: opts.clock,
  });
  // An old caller key past its 90 days of matching is no longer used: say at start that it can go.
  for (const k of expiredOldKeys(opts.callerKeys, opts.clock.now()))
    app.log.warn(
      { version: k.version, matchedUntil: matchingUntil(k).toISOString().slice(0, 10) },
      'an old caller HMAC key is past its 90 days of matching and no longer used: remove it from CALLER_HMAC_KEYS_OLD',
    );

  app.get(
    '/api/admin/keys',
    {
      config,
      schema: {
        tags,
        summary:
          'Key status: the notes key version and the rows sealed under each version per table, the caller key versions (old keys with their retirement and days of matching left), and the latest re-encryption runs. No key material',
        response: { 200: KeyStatus, ...guarded },
      },
    },
    async () => service.status(),
  );

  app.post(
    '/api/admin/keys/reencrypt',
    {
      config: { ...config, rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary:
          'Re-encrypt now: the worker re-seals under the current notes key every text sealed under an older one, in batches, while the console keeps working (queued; audited). 409 while a run is queued or running',
        response: { 202: ReencryptRun, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => reply.code(202).send(await service.reencryptNow(authOf(req).user)),
  );
};
export default keys;
