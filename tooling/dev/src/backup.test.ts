import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupStamp, findPgTool, parsePgToolVersion, shownUrl } from './backup';

const pinned = process.env.KORGON_PG_BIN;
afterEach(() => {
  if (pinned === undefined) delete process.env.KORGON_PG_BIN;
  else process.env.KORGON_PG_BIN = pinned;
});

/** A directory with a fake pg_dump answering --version as the given one. */
async function fakeBin(version: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'korgon-fake-pg-'));
  const tool = join(dir, 'pg_dump');
  await writeFile(tool, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`);
  await chmod(tool, 0o755);
  return dir;
}

describe('finding pg_dump and pg_restore', () => {
  it('reads the version of Debian, upstream and beta builds', () => {
    expect(parsePgToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)')).toEqual({
      version: '15.20',
      major: 15,
    });
    expect(parsePgToolVersion('pg_restore (PostgreSQL) 17.2')).toEqual({ version: '17.2', major: 17 });
    expect(parsePgToolVersion('pg_dump (PostgreSQL) 18beta1')).toEqual({ version: '18beta1', major: 18 });
    expect(parsePgToolVersion('command not found')).toBeNull();
  });

  it('refuses a pg_dump older than the server, saying what to install', async () => {
    process.env.KORGON_PG_BIN = await fakeBin('14.3');
    await expect(findPgTool('pg_dump', 16)).rejects.toThrow(
      /pg_dump 14\.3 .* is older than the server, PostgreSQL 16: .*postgresql-client-16.*KORGON_PG_BIN/,
    );
  });

  it('takes one of the same or a newer major version', async () => {
    process.env.KORGON_PG_BIN = await fakeBin('16.4');
    await expect(findPgTool('pg_dump', 16)).resolves.toMatchObject({ major: 16, version: '16.4' });
    await expect(findPgTool('pg_dump', 15)).resolves.toMatchObject({ major: 16 });
  });

  it('says so when there is none', async () => {
    process.env.KORGON_PG_BIN = await mkdtemp(join(tmpdir(), 'korgon-no-pg-'));
    await expect(findPgTool('pg_restore', 15)).rejects.toThrow(
      /pg_restore was not found in KORGON_PG_BIN .*postgresql-client-15/,
    );
  });
});

describe('names and messages', () => {
  it('names a backup by its UTC time, sortably', () => {
    expect(backupStamp(new Date('2026-12-01T22:35:12.345Z'))).toBe('20261201T223512Z');
  });

  it('never shows a password', () => {
    expect(shownUrl('postgres://korgon:s3cret@postgres:5432/korgon')).toBe(
      'postgres://korgon:***@postgres:5432/korgon',
    );
  });
});
