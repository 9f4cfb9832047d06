import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleSourceHash, ensureConsoleBuilt } from './console-build';

let root: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

function tree() {
  root = mkdtempSync(join(tmpdir(), 'korgon-console-build-'));
  write('apps/console/src/main.tsx', 'export const a = 1;');
  write('apps/console/index.html', '<div id="root"></div>');
  write('packages/domain/src/index.ts', 'export const b = 2;');
}

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the console's build stamp", () => {
  it('changes with a source of the console or of the domain, not with its build or other files', () => {
    tree();
    const first = consoleSourceHash(root);
    write('apps/console/dist/index.html', 'built');
    write('apps/server/src/app.ts', 'unrelated');
    expect(consoleSourceHash(root)).toBe(first);
    write('packages/domain/src/index.ts', 'export const b = 3;');
    const second = consoleSourceHash(root);
    expect(second).not.toBe(first);
    write('apps/console/src/new-file.ts', '');
    expect(consoleSourceHash(root)).not.toBe(second);
  });

  it('lets `pnpm start` skip a build whose stamp matches the sources', async () => {
    tree();
    write('apps/console/dist/index.html', 'built');
    write('apps/console/dist/.korgon-build-stamp', `${consoleSourceHash(root)}\n`);
    expect(await ensureConsoleBuilt({ root, quiet: true })).toBe('fresh');
  });

  it('builds when there is no stamp or the sources changed, and stamps a build that succeeded', async () => {
    tree();
    // A workspace of one package named as the console, whose build writes its dist and counts the builds.
    write('pnpm-workspace.yaml', 'packages:\n  - apps/*\n');
    write('package.json', '{"name":"fake-root","private":true}');
    const build =
      "const fs=require('fs');fs.mkdirSync('dist',{recursive:true});fs.writeFileSync('dist/index.html','x');fs.appendFileSync('../../builds','.')";
    write(
      'apps/console/package.json',
      JSON.stringify({ name: '@korgon/console', private: true, scripts: { build: `node -e "${build}"` } }),
    );
    const builds = () => readFileSync(join(root, 'builds'), 'utf8').length;
    expect(await ensureConsoleBuilt({ root, quiet: true })).toBe('built');
    expect(readFileSync(join(root, 'apps/console/dist/.korgon-build-stamp'), 'utf8').trim()).toBe(
      consoleSourceHash(root),
    );
    expect(await ensureConsoleBuilt({ root, quiet: true })).toBe('fresh');
    expect(builds()).toBe(1);
    write('apps/console/src/main.tsx', 'export const a = 2;');
    expect(await ensureConsoleBuilt({ root, quiet: true })).toBe('built');
    expect(builds()).toBe(2);
  }, 60_000);
});
