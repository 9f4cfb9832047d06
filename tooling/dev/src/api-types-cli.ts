import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_SCHEMA_FILE, apiSchemaSource, openApiDocument } from './api-types';
import { resolveRedis } from './redis';

/**
 * `pnpm api:types`: builds the server in-process (no listening, no database), takes its OpenAPI document and
 * writes the console's API types (apps/console/src/lib/api-schema.d.ts). Run it after changing a route's schema.
 */
const redis = await resolveRedis({
  redisUrl: process.env.REDIS_URL || undefined,
  embeddedDir: join(mkdtempSync(join(tmpdir(), 'korgon-api-types-')), 'redis'),
  persistent: false,
});
try {
  const source = await apiSchemaSource(await openApiDocument(redis.url));
  writeFileSync(API_SCHEMA_FILE, source);
  console.log(`wrote ${fileURLToPath(API_SCHEMA_FILE)}`);
} finally {
  await redis.stop();
}
process.exit(0);
