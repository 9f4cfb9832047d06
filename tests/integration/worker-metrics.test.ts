import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, startTestWorker, type TestApp } from '@korgon/dev/testing';
import { createWorkerMetrics, serveWorkerMetrics, type WorkerHandle } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = randomBytes(32).toString('base64');

let t: TestApp;
let worker: WorkerHandle;
let server: Server;
let url: string;

beforeAll(async () => {
  t = await createTestApp({ label: 'worker-metrics', env: { METRICS_TOKEN: TOKEN } });
  const metrics = createWorkerMetrics();
  worker = await startTestWorker(t.databaseUrl, t.env, { metrics });
  server = await serveWorkerMetrics(metrics, { port: 0, host: '127.0.0.1', token: TOKEN, allow: 'any' });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  server?.close();
  await worker?.stop();
  await t?.close();
});

describe("the worker's /metrics (WORKER_METRICS_PORT)", () => {
  it('answers 401 without the token', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('korgon_job_duration_seconds');
  });

  it('answers 404 on any other path', async () => {
    const res = await fetch(url.replace('/metrics', '/other'), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(404);
  });

  it('times the jobs it ran by queue and job type', async () => {
    // The reconciler's schedule runs every few seconds: wait until one run has been recorded.
    let text = '';
    for (let i = 0; i < 100; i++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      text = await res.text();
      if (/korgon_job_duration_seconds_count\{[^}]*job="jobs\.reconcile"/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(
      /korgon_job_duration_seconds_count\{queue="maintenance",job="jobs\.reconcile",outcome="completed"\} [1-9]/,
    );
    expect(text).toContain('korgon_queue_push_lag_seconds_bucket');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it("shows on the server's /metrics as a live worker", async () => {
    const res = await t.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^korgon_workers_alive 1$/m);
    expect(res.body).not.toMatch(/^korgon_worker_last_seen_timestamp_seconds 0$/m);
  });
});
