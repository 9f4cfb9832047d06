import { z } from 'zod';

/** Task identifiers and payload schemas for graphile-worker. A job carries ids, never personal data. */
export const TASKS = {
  sessionsPrune: 'sessions_prune',
} as const;
export type TaskName = (typeof TASKS)[keyof typeof TASKS];

export const EmptyPayload = z.object({}).strict();

/** How often the worker records that it is alive; /readyz wants to have seen it within a minute. */
export const WORKER_HEARTBEAT_MS = 15_000;
export const WORKER_STALE_MS = 60_000;
