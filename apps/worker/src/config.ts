import { type Env, loadEnv } from '@korgon/config';

export interface WorkerConfig {
  env: Env;
  concurrency: number;
}

export function workerConfig(env: Env = loadEnv()): WorkerConfig {
  return { env, concurrency: env.WORKER_CONCURRENCY };
}
