/**
 * `npm start`: reads the environment and flags, starts Parley, prints the start banner, and stops it
 * gracefully on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_S. A part that cannot be used at start (the data
 * directory, PostgreSQL, Redis, the port) ends the process with one line naming it, exit code 1; a bad
 * setting with exit code 2.
 */
import { inspect } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { createParley, type Parley } from './server.ts';
import { addressOf, describeCause, StartupError } from './startup-error.ts';
import { storageAddress } from './storage/database.ts';
import { PARLEY_VERSION } from './version.ts';

/** The start banner: where everything is, which storage and cluster mode, how to find the app keys. */
function banner(parley: Parley, config: Readonly<Config>): { text: string; fields: Record<string, string> } {
  const url = parley.url;
  const storage = parley.storage.engine === 'postgres' ? `PostgreSQL ${storageAddress(config)}` : `SQLite ${storageAddress(config)}`;
  const cluster = config.redisUrl ? `cluster mode: Redis ${addressOf(config.redisUrl, 6379)}, prefix ${config.redisPrefix}` : 'single node (set REDIS_URL for cluster mode)';
  const fields = { url, demoPage: `${url}/`, console: `${url}/admin`, apiDocs: `${url}/docs`, storage, cluster, appKeys: 'npm run parley -- apps list' };
  const text = [
    `Parley ${PARLEY_VERSION} listening on ${url}`,
    `  demo page  ${fields.demoPage}`,
    `  console    ${fields.console}`,
    `  API docs   ${fields.apiDocs}`,
    `  storage    ${storage}`,
    `  cluster    ${cluster}`,
    `  app keys   ${fields.appKeys}`,
  ].join('\n');
  return { text, fields };
}

/** One line on stderr; the stack (and the causes) only when LOG_LEVEL asks for debugging detail. */
function failStart(err: unknown, config: Readonly<Config>, flush: () => void): never {
  const debugging = config.logLevel === 'debug' || config.logLevel === 'trace';
  const line = err instanceof StartupError ? err.message : describeCause(err);
  process.stderr.write(`parley: cannot start: ${line}${debugging || err instanceof StartupError ? '' : ' (LOG_LEVEL=debug shows where)'}\n`);
  if (debugging) process.stderr.write(`${inspect(err, { depth: 4 })}\n`);
  flush();
  process.exit(1);
}

async function main(): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`parley: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { log, flush } = createLogger(config.logLevel, config.logFormat);
  let parley: Parley;
  try {
    parley = await createParley(config, { log });
    await parley.listen().catch((err: unknown) => {
      throw new StartupError('HTTP port', `${config.host}:${config.port}`, err);
    });
  } catch (err) {
    failStart(err, config, flush);
  }
  const app = parley.bootstrap.app;
  if (app && parley.bootstrap.generatedKey) {
    // Printed once, on purpose: the key is not logged again.
    process.stdout.write(`\nParley created app "${app.id}". Keep these credentials:\n  APP_ID=${app.id}\n  APP_API_KEY=${app.apiKey}\n\n`);
  }
  const adminToken = parley.admin.generatedToken;
  if (adminToken) {
    // Printed once, on purpose: only its hash is stored (`parley admin rotate-token` makes a new one).
    process.stdout.write(`Parley generated the admin token of the operator console (${parley.url}/admin). Keep it:\n  ADMIN_TOKEN=${adminToken}\n\n`);
  }
  const { text, fields } = banner(parley, config);
  if (config.logFormat === 'pretty') process.stdout.write(`${text}\n`);
  else log.info({ ...fields, version: PARLEY_VERSION, app: app?.id }, `Parley listening on ${fields.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown timed out');
      flush();
      process.exit(1);
    }, config.shutdownTimeoutS * 1000);
    timer.unref();
    parley.close().then(
      () => {
        log.info('stopped');
        flush();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`parley: failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
