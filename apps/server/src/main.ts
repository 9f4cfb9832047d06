import { ConfigError } from '@korgon/config';
import { migrate } from '@korgon/db';
import { buildApp } from './app';
import { serverConfig } from './config';

/** Starts one server process: migrate, listen, and on SIGTERM/SIGINT finish in-flight work and close. */
async function main() {
  let config: ReturnType<typeof serverConfig>;
  try {
    config = serverConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  await migrate(config.env.DATABASE_URL);
  const app = await buildApp({ config });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      app.log.error('shutdown took longer than 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  app.log.info({ url: config.publicUrl }, 'Korgon server ready');
}

main().catch((err) => {
  console.error('Korgon server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
