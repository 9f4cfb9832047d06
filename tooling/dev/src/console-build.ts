import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRepoRoot } from '@korgon/config';

/**
 * `pnpm start` rebuilds the console only when what it is built from changed since its last build: a hash of
 * those files, written beside the build after it succeeded, is compared with theirs now. `pnpm build` and
 * `pnpm test` build every time (their build writes no stamp, so the next start builds once more).
 */
const repoRoot = findRepoRoot();
const DIST = 'apps/console/dist';
const STAMP = '.korgon-build-stamp';

/** What the console's build reads: its sources and settings, and the shared domain it imports. */
const INPUTS = [
  'apps/console/src',
  'apps/console/public',
  'apps/console/index.html',
  'apps/console/vite.config.ts',
  'apps/console/tsconfig.json',
  'apps/console/package.json',
  'packages/domain/src',
  'packages/domain/package.json',
];

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && !e.name.startsWith('.'))
    .flatMap((e) => filesUnder(resolve(path, e.name)));
}

/** A hash of every input's path and content (mtimes change on a checkout without a change of content). */
export function consoleSourceHash(root = repoRoot): string {
  const hash = createHash('sha256');
  const files = INPUTS.flatMap((p) => filesUnder(resolve(root, p))).sort();
  for (const file of files) {
    hash.update(relative(root, file)).update('\0');
    hash.update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export type ConsoleBuild = 'fresh' | 'built';

/**
 * Builds the console unless its last build (by `pnpm start`) is of the same sources. `quiet`: Vite's output is
 * kept back, and shown only when the build fails.
 */
export async function ensureConsoleBuilt(
  opts: { quiet?: boolean; root?: string } = {},
): Promise<ConsoleBuild> {
  const root = opts.root ?? repoRoot;
  const stampFile = resolve(root, DIST, STAMP);
  const hash = consoleSourceHash(root);
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (stamp === hash && existsSync(resolve(root, DIST, 'index.html'))) return 'fresh';
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((res, rej) => {
    const child = spawn('pnpm', ['--filter', '@korgon/console', 'build'], {
      cwd: root,
      stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d));
    child.stderr?.on('data', (d: Buffer) => output.push(d));
    child.on('error', rej);
    child.on('exit', (c) => res(c));
  });
  if (code !== 0) {
    if (opts.quiet) process.stderr.write(Buffer.concat(output));
    throw new Error(`the console's build failed (exit ${code}); see its output above`);
  }
  // The sources as they were when the build began: a change during the build makes the next start build again.
  writeFileSync(stampFile, `${hash}\n`);
  return 'built';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await ensureConsoleBuilt().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
  if (result === 'fresh') console.log('the console is up to date with its sources; not rebuilt');
}
