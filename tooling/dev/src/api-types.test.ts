import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { API_SCHEMA_FILE, apiSchemaSource, openApiDocument } from './api-types';

describe('the console API types (apps/console/src/lib/api-schema.d.ts)', () => {
  it('are what the server document gives now: run `pnpm api:types` after changing a route schema', async () => {
    const document = await openApiDocument(inject('redisUrl'));
    // A document the app really built: the routes the console calls are in it.
    expect(Object.keys(document.paths as object)).toContain('/api/auth/login');
    const fresh = await apiSchemaSource(document);
    const committed = readFileSync(API_SCHEMA_FILE, 'utf8');
    // Compared whole: a one-line diff names the route that drifted, where a hash would not.
    expect(committed).toBe(fresh);
  }, 120_000);
});
