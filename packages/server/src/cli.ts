/**
 * `parley apps create|list|update|rotate-key`: manages apps directly in the configured database
 * (DATA_DIR or DATABASE_URL), so it works whether or not a server is running. Servers pick changes up
 * within a few seconds (their app cache).
 */
import { parseArgs } from 'node:util';
import { WEBHOOK_TYPES, type WebhookType } from '@parley/protocol';
import { AppError, AppService, type App, type AppChanges } from './apps/app.service.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openStorage } from './storage/database.ts';

const USAGE = `usage:
  parley apps list
  parley apps create <id> [--api-key K] [--webauth-url U] [--webhook-url U] [--webhook-events a,b]
  parley apps update <id> [--api-key K] [--webauth-url U|''] [--webhook-url U|''] [--webhook-events a,b]
  parley apps rotate-key <id>
Storage comes from DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, default ./data).`;

function describe(app: App): Record<string, unknown> {
  return {
    id: app.id,
    api_key: app.apiKey,
    webauth_url: app.webauthUrl,
    webhook_url: app.webhookUrl,
    webhook_events: [...app.webhookEvents],
    created_at: new Date(app.createdAt).toISOString(),
  };
}

function changesFrom(values: Record<string, string | undefined>): AppChanges {
  const changes: AppChanges = {};
  if (values['api-key'] !== undefined) changes.apiKey = values['api-key'];
  if (values['webauth-url'] !== undefined) changes.webauthUrl = values['webauth-url'] || null;
  if (values['webhook-url'] !== undefined) changes.webhookUrl = values['webhook-url'] || null;
  if (values['webhook-events'] !== undefined) {
    const events = values['webhook-events'].split(',').map((e) => e.trim()).filter(Boolean) as WebhookType[];
    const bad = events.find((e) => !WEBHOOK_TYPES.includes(e));
    if (bad) throw new AppError(`unknown webhook event ${bad} (known: ${WEBHOOK_TYPES.join(', ')})`);
    changes.webhookEvents = events;
  }
  for (const url of [changes.webauthUrl, changes.webhookUrl]) {
    if (url) {
      try {
        new URL(url);
      } catch {
        throw new AppError(`${url} is not a URL`);
      }
    }
  }
  return changes;
}

/** Runs one CLI command; returns the process exit code. Output goes to the given writers. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'api-key': { type: 'string' },
        'webauth-url': { type: 'string' },
        'webhook-url': { type: 'string' },
        'webhook-events': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [group, command, id] = parsed.positionals;
  if (parsed.values.help || group !== 'apps' || !command) {
    (parsed.values.help ? out : err)(`${USAGE}\n`);
    return parsed.values.help ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig({ DATA_DIR: env.DATA_DIR, DATABASE_URL: env.DATABASE_URL });
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const storage = await openStorage({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolMax: 1 });
  const apps = new AppService(storage);
  try {
    if (command === 'list') {
      out(`${JSON.stringify((await apps.list()).map(describe), null, 2)}\n`);
      return 0;
    }
    if (!id) {
      err(`parley apps ${command} needs an app id\n${USAGE}\n`);
      return 2;
    }
    const changes = changesFrom(parsed.values as Record<string, string | undefined>);
    let app: App;
    if (command === 'create') app = await apps.create(id, changes);
    else if (command === 'update') app = await apps.update(id, changes);
    else if (command === 'rotate-key') app = await apps.rotateKey(id);
    else {
      err(`unknown command ${command}\n${USAGE}\n`);
      return 2;
    }
    out(`${JSON.stringify(describe(app), null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof AppError) {
      err(`parley: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    await storage.close();
  }
}

// Run only when executed directly (tests import runCli).
if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`parley: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
