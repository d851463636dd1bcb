/**
 * `npm start`: reads the environment and flags, starts Parley, and stops it gracefully on SIGTERM/SIGINT
 * within SHUTDOWN_TIMEOUT_S.
 */
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createParley } from './server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`parley: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const parley = await createParley(config, { log });
  const url = await parley.listen();
  const app = parley.bootstrap.app;
  if (app && parley.bootstrap.generatedKey) {
    // Printed once, on purpose: the key is not logged again.
    process.stdout.write(`\nParley created app "${app.id}". Keep these credentials:\n  APP_ID=${app.id}\n  APP_API_KEY=${app.apiKey}\n\n`);
  }
  log.info({ url, app: app?.id, storage: parley.storage.engine }, 'parley listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown timed out');
      log.flush();
      process.exit(1);
    }, config.shutdownTimeoutS * 1000);
    timer.unref();
    parley.close().then(
      () => {
        log.info('stopped');
        log.flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`parley: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
