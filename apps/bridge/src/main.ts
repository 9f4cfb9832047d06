import { startBridge } from './bridge';
import { type BridgeConfig, ConfigError, loadConfig } from './config';
import { createLogger } from './log';

function main(): void {
  let config: BridgeConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const bridge = startBridge({
    ami: {
      host: config.AMI_HOST,
      port: config.AMI_PORT,
      username: config.AMI_USERNAME,
      secret: config.AMI_SECRET,
    },
    korgonUrl: config.KORGON_URL,
    telephonySecret: config.TELEPHONY_SECRET,
    log,
  });
  log.info(
    { ami: `${config.AMI_HOST}:${config.AMI_PORT}`, korgon: new URL(config.KORGON_URL).origin },
    'Korgon bridge started',
  );

  const shutdown = (signal: string) => {
    log.info({ signal, pending: bridge.pending }, 'bridge shutting down: flushing buffered events');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    bridge.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'bridge did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main();
