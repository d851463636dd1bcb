/**
 * `parley check`: validates the configuration and reaches every part the server needs — the data
 * directory, the database (SQLite or PostgreSQL), Redis in cluster mode, the HTTP port — printing one
 * line per part, as Centrifugo's `checkconfig` does for its configuration. It changes nothing except
 * creating a missing data directory (which the start would do as well). Failures read exactly as the
 * server's own start-up errors.
 */
import { createServer } from 'node:net';
import { probeRedis } from './cluster/cluster.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { describeCause, StartupError } from './startup-error.ts';
import { prepareDataDir } from './storage/data-dir.ts';
import { inspectStorage } from './storage/database.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckLine {
  status: CheckStatus;
  part: string;
  detail: string;
}

/** The message of a part's failure without the part's name (the line already shows it). */
function failure(err: unknown): string {
  return err instanceof StartupError ? err.message.slice(err.part.length + ' at '.length) : describeCause(err);
}

async function portCheck(config: Readonly<Config>): Promise<CheckLine> {
  const part = 'HTTP port';
  const address = `${config.host}:${config.port}`;
  if (config.port === 0) return { status: 'ok', part, detail: `${config.host}: any free port (PORT=0)` };
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // In use is expected when the check runs beside the server it checks.
      if (err.code === 'EADDRINUSE') resolve({ status: 'warn', part, detail: `${address}: in use (fine if this is the running Parley)` });
      else resolve({ status: 'fail', part, detail: `${address}: ${describeCause(err)}` });
    });
    server.listen(config.port, config.host, () => server.close(() => resolve({ status: 'ok', part, detail: `${address}: free` })));
  });
}

/** Runs every check; `env` and `argv` as the server would read them. */
export async function checkDeployment(env: Readonly<Record<string, string | undefined>>, argv: readonly string[] = []): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  let config: Readonly<Config>;
  try {
    config = loadConfig(env, argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [{ status: 'fail', part: 'configuration', detail: err.message }];
  }
  lines.push({ status: 'ok', part: 'configuration', detail: 'every setting is valid' });

  try {
    lines.push({ status: 'ok', part: 'data directory', detail: `${prepareDataDir(config.dataDir)}: writable` });
  } catch (err) {
    lines.push({ status: 'fail', part: 'data directory', detail: failure(err) });
  }

  const engine = config.databaseUrl ? 'PostgreSQL' : 'SQLite';
  try {
    const report = await inspectStorage(config);
    const server = report.serverVersion ? ` (PostgreSQL ${report.serverVersion})` : '';
    if (!report.exists) {
      lines.push({ status: 'warn', part: engine, detail: `${report.address}${server}: no Parley database yet; the first start creates it` });
    } else {
      const pending = report.pending?.length ? `${report.pending.length} migration(s) to apply at the next start (${report.pending.join(', ')})` : 'schema up to date';
      const apps = `${report.apps} app${report.apps === 1 ? '' : 's'}`;
      lines.push({ status: 'ok', part: engine, detail: `${report.address}${server}: ${apps}, ${pending}` });
    }
  } catch (err) {
    lines.push({ status: 'fail', part: engine, detail: failure(err) });
  }

  if (config.redisUrl) {
    try {
      const { version } = await probeRedis(config.redisUrl);
      lines.push({ status: 'ok', part: 'Redis', detail: `${new URL(config.redisUrl).host}: Redis ${version}, cluster mode with prefix ${config.redisPrefix}` });
    } catch (err) {
      lines.push({ status: 'fail', part: 'Redis', detail: failure(err) });
    }
  } else {
    lines.push({ status: 'ok', part: 'Redis', detail: 'not configured: single node (set REDIS_URL for cluster mode)' });
  }

  lines.push(await portCheck(config));

  const wildcardHost = config.host === '0.0.0.0' || config.host === '::';
  const publicUrlSet = Boolean(env.PUBLIC_URL) || argv.some((a) => a.startsWith('--public-url'));
  lines.push(
    wildcardHost && !publicUrlSet
      ? { status: 'warn', part: 'public URL', detail: `${config.publicUrl}: PUBLIC_URL is unset, so access URLs and file links point at this machine's loopback; set it to the address clients use` }
      : { status: 'ok', part: 'public URL', detail: `${config.publicUrl}: given to clients in access URLs and file links` },
  );
  return lines;
}

/** The report as text: one aligned line per part and a last line with the verdict. */
export function formatCheck(lines: readonly CheckLine[]): string {
  const width = Math.max(...lines.map((l) => l.part.length));
  const failed = lines.filter((l) => l.status === 'fail').length;
  const body = lines.map((l) => `${l.status.padEnd(4)}  ${l.part.padEnd(width)}  ${l.detail}`).join('\n');
  return `${body}\n${failed === 0 ? 'parley check: ready to start' : `parley check: ${failed} part${failed === 1 ? '' : 's'} failed`}\n`;
}
