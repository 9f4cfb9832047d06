import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * ADR 0006: a feature's SQL lives in its repository.ts. Routes and services call repository functions; a query
 * anywhere else is the drift the ADR ended, so this names the file and the line where one comes back.
 */
const FEATURES = new URL('.', import.meta.url).pathname;
const SQL = [/\.query\s*[<(]/, /\bsql`/, /\bsql\.raw\(/];

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourcesOf(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

function isRepository(path: string): boolean {
  return /(^|[-/])repository\.ts$/.test(path);
}

describe('data access (ADR 0006)', () => {
  it('keeps every SQL statement of a feature in its repository', () => {
    const stray: string[] = [];
    for (const path of sourcesOf(FEATURES)) {
      if (isRepository(path)) continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (SQL.some((re) => re.test(line)))
            stray.push(`${path.slice(FEATURES.length)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(stray).toEqual([]);
  });

  it('would notice a query outside a repository', () => {
    expect(SQL.some((re) => re.test("const r = await app.pool.query<Row>('SELECT 1');"))).toBe(true);
    expect(SQL.some((re) => re.test('db.execute(sql`SELECT 1`)'))).toBe(true);
    expect(isRepository('referrals/repository.ts')).toBe(true);
    expect(isRepository('auth/second-factor-repository.ts')).toBe(true);
    expect(isRepository('referrals/service.ts')).toBe(false);
  });
});
