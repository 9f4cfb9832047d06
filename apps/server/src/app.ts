import { fileURLToPath } from 'node:url';
import { auditAnchorDirOf, metricsAllowOf } from '@korgon/config';
import { type Clock, systemClock } from '@korgon/domain';
import { notesKeyringOf } from '@korgon/signing';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { LoggerOptions } from 'pino';
import type { ServerConfig } from './config';
import adminUsers from './features/admin-users/index';
import alerts from './features/alerts/index';
import auditFeature from './features/audit/index';
import auth from './features/auth/index';
import boardAttention from './features/board/attention';
import board, { boardServiceFor } from './features/board/index';
import consultations from './features/consultations/index';
import exportsFeature from './features/exports/index';
import followUps, { followUpsServiceFor } from './features/follow-ups/index';
import handover from './features/handover/index';
import health from './features/health/index';
import keys from './features/keys/index';
import me from './features/me/index';
import myWork from './features/my-work/index';
import operators, { operatorsServiceFor } from './features/operators/index';
import partnerPortal from './features/partner-portal/index';
import partners from './features/partners/index';
import queue from './features/queue/index';
import referrals, { referralsServiceFor } from './features/referrals/index';
import retention from './features/retention/index';
import risk from './features/risk/index';
import { createRiskService } from './features/risk/service';
import statistics from './features/statistics/index';
import telephony from './features/telephony/index';
import wallDisplays from './features/wall-displays/index';
import { loggerOptions, RequestsAtDebug, requestIdOf } from './logger';
import authPlugin from './plugins/auth';
import consolePlugin from './plugins/console';
import dbPlugin from './plugins/db';
import declaredStatuses, { type UndeclaredStatus } from './plugins/declared-statuses';
import errorsPlugin, { sendError } from './plugins/errors';
import inputHygiene from './plugins/input-hygiene';
import jobsPlugin from './plugins/jobs';
import metricsPlugin from './plugins/metrics';
import openapi from './plugins/openapi';
import queueDashboard from './plugins/queue-dashboard';
import rateLimit from './plugins/rate-limit';
import security from './plugins/security';
import socket from './plugins/socket';

export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

export interface BuildOptions {
  config: ServerConfig;
  logger?: LoggerOptions | false;
  poolSize?: number;
  /** Where follow-up times come from (the system clock unless a test moves its own). */
  clock?: Clock;
  /**
   * Tests only: an answer whose status its route's schema.response does not declare becomes a 500
   * `undeclared_status`, told to `report` (plugins/declared-statuses.ts). Never set in production.
   */
  strictStatuses?: { report?: (u: UndeclaredStatus) => void };
}

/**
 * Builds the server: external plugins (db, errors, security, rate limits, docs), then the auth guard and
 * realtime, then one plugin per feature, then the console's files.
 */
export async function buildApp({
  config,
  logger,
  poolSize,
  clock = systemClock,
  strictStatuses,
}: BuildOptions): Promise<FastifyInstance> {
  const { env } = config;
  // The notes keyring and the caller keys (docs/security.md "Key rotation"): the current key seals and hashes,
  // the older ones still read (notes) and match (callers, for 90 days after their retirement).
  const sealing = {
    notesKey: env.NOTES_ENCRYPTION_KEY,
    notesKeyVersion: env.NOTES_KEY_VERSION,
    notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
  };
  const callerKeys = {
    current: { key: env.CALLER_HMAC_KEY, version: env.CALLER_HMAC_KEY_VERSION },
    old: env.CALLER_HMAC_KEYS_OLD,
  };
  const app = Fastify({
    logger: logger === undefined ? loggerOptions(env.LOG_LEVEL) : logger,
    trustProxy: env.TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    // The proxy's X-Request-Id when it is sane, else a new UUID (logger.ts); returned as x-request-id below.
    requestIdHeader: false,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    routerOptions: { ignoreTrailingSlash: true },
    logController: new RequestsAtDebug(),
  }).withTypeProvider<ZodTypeProvider>();
  // JSON only: a text/plain body is refused with 415 instead of failing validation as a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // During shutdown, answers to requests still in flight close their keep-alive connection, so the server
  // does not wait for idle clients to hang up before it can exit.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    // Every answer names its request, so a person reporting a problem can quote the id its log lines carry.
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  await app.register(dbPlugin, { databaseUrl: env.DATABASE_URL, poolSize });
  await app.register(errorsPlugin);
  // Before every route: it adds the shared error statuses to each route's schema as the route is added.
  await app.register(declaredStatuses, {
    strict: strictStatuses !== undefined,
    report: strictStatuses?.report,
  });
  await app.register(inputHygiene);
  await app.register(security, { allowedOrigins: config.allowedOrigins, secure: config.secureCookies });
  const redis = { url: env.REDIS_URL, prefix: env.REDIS_PREFIX };
  await app.register(jobsPlugin, { ...redis, backoffMs: env.JOB_BACKOFF_MS });
  await app.register(rateLimit, { redis });
  // Before every route, so that its onResponse hook times them all.
  await app.register(metricsPlugin, {
    token: env.METRICS_TOKEN,
    allow: metricsAllowOf(env.METRICS_ALLOW) ?? [],
    auditAnchorDir: auditAnchorDirOf(env.AUDIT_ANCHOR_DIR),
  });
  await app.register(openapi, { publicUrl: config.publicUrl });
  await app.register(authPlugin, {
    sessionSecret: env.SESSION_SECRET,
    ttlHours: env.SESSION_TTL_HOURS,
    idleMinutes: env.SESSION_IDLE_MINUTES,
    secureCookies: config.secureCookies,
    ...sealing,
  });
  await app.register(socket, {
    allowedOrigins: config.allowedOrigins,
    redis,
    sessionCheckSeconds: env.SOCKET_SESSION_CHECK_SECONDS,
  });

  // Before every feature that changes what the board counts: each of them kicks its push.
  app.decorate(
    'board',
    boardServiceFor(app, {
      clock,
      thresholdSeconds: env.BOARD_SERVICE_LEVEL_SECONDS,
      shifts: env.BOARD_SHIFTS,
    }),
  );
  // Also before the features whose commits may raise or end an alert: each kicks a sync.
  await app.register(alerts, {
    clock,
    settings: { waitSeconds: env.ALERT_WAIT_SECONDS, wrapUpSeconds: env.ALERT_WRAP_UP_SECONDS },
  });
  await app.register(health);
  await app.register(auth);
  await app.register(me);
  await app.register(adminUsers);
  await app.register(auditFeature, {
    anchorDir: auditAnchorDirOf(env.AUDIT_ANCHOR_DIR),
    anchorKey: env.AUDIT_ANCHOR_KEY,
  });
  await app.register(wallDisplays, {
    sessionSecret: env.SESSION_SECRET,
    publicUrl: config.publicUrl,
    sessionDays: env.WALL_SESSION_DAYS,
  });
  const callLimits = {
    waitingMinutes: env.CALL_LOST_WAITING_MINUTES,
    answeredMinutes: env.CALL_LOST_ANSWERED_MINUTES,
  };
  await app.register(telephony, {
    telephonySecret: env.TELEPHONY_SECRET,
    callerKeys,
    clock,
    wrapUpSeconds: env.WRAP_UP_SECONDS,
    callLimits,
  });
  await app.register(queue, {
    offlineGraceSeconds: env.OFFLINE_GRACE_SECONDS,
    callLimits,
    breakOfferMinutes: env.BREAK_OFFER_MINUTES,
  });
  app.decorate('operators', operatorsServiceFor(app, { breakOfferMinutes: env.BREAK_OFFER_MINUTES }));
  await app.register(operators);
  app.decorate(
    'risk',
    createRiskService(app.pool, app.io, notesKeyringOf(sealing), {
      // After the assessment's commit: a failed offer is logged, never the assessment's failure.
      becameCritical: (operatorId) =>
        app.operators
          .offerBreak(operatorId)
          .catch((err: Error) => app.log.warn({ err: { message: err.message } }, 'break offer failed')),
      changed: () => {
        app.board.kick();
        app.alerts.kick();
      },
    }),
  );
  app.decorate(
    'followUps',
    followUpsServiceFor(app, {
      ...sealing,
      clock,
      orderCheckinDays: env.FOLLOW_UP_ORDER_CHECKIN_DAYS,
    }),
  );
  await app.register(consultations, sealing);
  await app.register(risk);
  await app.register(followUps);
  await app.register(partners, {
    ...sealing,
    webhookPolicy: {
      allowHttp: env.PARTNER_WEBHOOK_ALLOW_HTTP,
      allowPrivate: env.PARTNER_WEBHOOK_ALLOW_PRIVATE,
    },
  });
  app.decorate('referrals', referralsServiceFor(app, { ...sealing, maxAttempts: env.REFERRAL_MAX_ATTEMPTS }));
  await app.register(referrals);
  await app.register(partnerPortal, sealing);
  await app.register(myWork, sealing);
  await app.register(handover, { ...sealing, clock });
  await app.register(boardAttention, { clock, shifts: env.BOARD_SHIFTS });
  await app.register(board);
  await app.register(statistics, {
    k: env.STATISTICS_MIN_CELL,
    thresholdSeconds: env.BOARD_SERVICE_LEVEL_SECONDS,
  });
  await app.register(exportsFeature, { dir: env.EXPORTS_DIR });
  await app.register(retention);
  await app.register(keys, { ...sealing, callerKeys, clock });
  await app.register(queueDashboard);

  await app.register(consolePlugin, { root: env.CONSOLE_DIST ?? DEFAULT_CONSOLE_DIST });
  app.setNotFoundHandler(
    { preHandler: app.rateLimit({ max: 300, timeWindow: '1 minute' }) },
    async (req, reply) => {
      const path = req.url.split('?')[0] ?? '/';
      const isPage = req.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/socket.io');
      if (isPage && app.consoleRoot)
        return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
      return sendError(reply, 404, { code: 'not_found', message: `There is no ${req.method} ${path} here.` });
    },
  );
  return app;
}
