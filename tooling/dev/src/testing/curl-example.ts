import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from '@korgon/config';

const run = promisify(execFile);
const root = findRepoRoot(import.meta.dirname);

/** The curl example of docs/telephony.md, exactly as written there. */
export function curlExample(): string {
  const doc = readFileSync(resolve(root, 'docs/telephony.md'), 'utf8');
  const block = /<!-- curl-example:start -->\s*```sh\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/telephony.md has no curl example');
  return block;
}

/** Runs the documented curl command against a server; returns what the server answered. */
export async function runCurlExample(env: { KORGON_URL: string; TELEPHONY_SECRET: string; CALL_ID: string }) {
  const r = await run('bash', ['-c', curlExample()], { env: { ...process.env, ...env }, cwd: root });
  return JSON.parse(r.stdout) as { received: number; stored: number; duplicates: number };
}
