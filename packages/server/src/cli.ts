/**
 * The `parley` command line (`npm run parley -- …`, or `node dist/server/cli.js …`):
 * - `parley check` validates the configuration and reaches every dependency (check.ts);
 * - `parley apps list|show|create|update|rotate-key|delete` manage apps directly in the configured
 *   database (DATA_DIR or DATABASE_URL), whether or not a server runs; servers pick changes up within
 *   a few seconds (their app cache);
 * - `parley admin rotate-token` replaces the operator console's stored admin token, likewise.
 * Each command has its own `--help`; mistakes exit with code 2 and say what was wrong.
 */
import { parseArgs } from 'node:util';
import { WEBHOOK_TYPES } from '@parley/protocol';
import { hookUrlsProblem, KNOWN_WEBHOOK_EVENTS, parseWebhookEvents } from './apps/hook-url.ts';
import { AdminTokens } from './admin/admin-token.ts';
import { AppError, AppService, type App, type AppChanges } from './apps/app.service.ts';
import { checkDeployment, formatCheck } from './check.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openStorage, storageAddress, storageExists } from './storage/database.ts';
import { PARLEY_VERSION } from './version.ts';

interface Command {
  usage: string;
  summary: string;
  /** Options this command takes, with their help text. */
  options: Readonly<Record<string, string>>;
}

const APP_OPTIONS = {
  'api-key': 'the API key (16 to 256 printable characters); default: a random one',
  'webauth-url': 'WebAuth URL for private_/member_/presence_ channels',
  'webhook-url': 'webhook URL for connect/disconnect/subscribe/unsubscribe',
  'webhook-events': `comma list of ${WEBHOOK_TYPES.join(',')}`,
};

const COMMANDS: Readonly<Record<string, Command>> = {
  check: { usage: 'parley check', summary: 'validate the configuration and reach the data directory, the database, Redis and the port', options: {} },
  'apps list': { usage: 'parley apps list', summary: 'every app with its key and hooks, as JSON', options: {} },
  'apps show': { usage: 'parley apps show <id>', summary: 'one app, as JSON', options: {} },
  'apps create': { usage: 'parley apps create <id> [options]', summary: 'a new app (the id: 1-64 of A-Z a-z 0-9 _ -)', options: APP_OPTIONS },
  'apps update': {
    usage: 'parley apps update <id> [options]',
    summary: "change an app's key or hooks ('' clears a URL)",
    options: { ...APP_OPTIONS, 'api-key': 'the new API key (16 to 256 printable characters)' },
  },
  'apps rotate-key': { usage: 'parley apps rotate-key <id>', summary: 'a new random key; access URLs signed with the old one stop verifying', options: {} },
  'apps delete': {
    usage: 'parley apps delete <id> --yes',
    summary: 'remove the app and all its users, channels and messages',
    options: { yes: 'really delete (without it, the command only says what it would remove)' },
  },
  'admin rotate-token': {
    usage: 'parley admin rotate-token',
    summary: "a new random admin token for the console (/admin); the old one stops working within 5 s",
    options: {},
  },
};

const STORAGE_NOTE = 'Storage comes from DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite, default ./data).';

function usage(prefix = ''): string {
  const rows = Object.entries(COMMANDS).filter(([name]) => name.startsWith(prefix));
  const width = Math.max(...rows.map(([, c]) => c.usage.length));
  const lines = rows.map(([, c]) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n  parley --version\nEach command explains itself with --help. ${STORAGE_NOTE}`;
}

function commandHelp(name: string, command: Command): string {
  const options = Object.entries(command.options).map(([flag, help]) => `  --${flag.padEnd(15)} ${help}`);
  return `usage: ${command.usage}\n${command.summary}${options.length ? `\noptions:\n${options.join('\n')}` : ''}${name !== 'check' ? `\n${STORAGE_NOTE}` : ''}`;
}

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

/** API keys travel in HTTP headers and sign access URLs: long enough to resist guessing, header-safe. */
const API_KEY = /^[\x21-\x7e]{16,256}$/;

function changesFrom(values: Record<string, string | boolean | undefined>): AppChanges {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const changes: AppChanges = {};
  const apiKey = text('api-key');
  if (apiKey !== undefined) {
    if (!API_KEY.test(apiKey)) {
      throw new AppError(`--api-key must be 16 to 256 printable characters without spaces (got ${apiKey.length}); leave it out to get a random key`);
    }
    changes.apiKey = apiKey;
  }
  if (text('webauth-url') !== undefined) changes.webauthUrl = text('webauth-url') || null;
  if (text('webhook-url') !== undefined) changes.webhookUrl = text('webhook-url') || null;
  const events = text('webhook-events');
  if (events !== undefined) {
    const parsed = parseWebhookEvents(events);
    if ('unknown' in parsed) throw new AppError(`unknown webhook event ${parsed.unknown} (known: ${KNOWN_WEBHOOK_EVENTS})`);
    changes.webhookEvents = parsed.events;
  }
  const problem = hookUrlsProblem(changes);
  if (problem) throw new AppError(problem);
  return changes;
}

type Out = (s: string) => void;

async function runApps(name: string, id: string | undefined, values: Record<string, string | boolean | undefined>, env: Record<string, string | undefined>, out: Out, err: Out): Promise<number> {
  let config;
  try {
    // Only the storage settings: a CLI call must not fail on a setting it does not use.
    config = loadConfig({ DATA_DIR: env.DATA_DIR, DATABASE_URL: env.DATABASE_URL });
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`parley: invalid configuration: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (name !== 'apps list' && !id) {
    err(`parley: ${name} needs an app id\n${commandHelp(name, COMMANDS[name]!)}\n`);
    return 2;
  }
  if (name === 'apps delete' && values.yes !== true) {
    err(`parley: apps delete ${id} removes the app, its key and every user, channel and message stored for it at ${storageAddress(config)}; run it again with --yes to do so\n`);
    return 1;
  }
  let changes: AppChanges = {};
  try {
    // Checked before the database is touched: a refused key must not leave a new, empty database behind.
    changes = changesFrom(values);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    err(`parley: ${e.message}\n`);
    return 2;
  }
  if (!(await storageExists(config))) {
    err(`parley: warning: there is no Parley database at ${storageAddress(config)}; creating a new, empty one (set DATA_DIR or DATABASE_URL to use an existing one)\n`);
  }
  const storage = await openStorage({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolMax: 1 });
  const apps = new AppService(storage);
  try {
    const print = (app: App) => out(`${JSON.stringify(describe(app), null, 2)}\n`);
    switch (name) {
      case 'apps list':
        out(`${JSON.stringify((await apps.list()).map(describe), null, 2)}\n`);
        return 0;
      case 'apps show': {
        const app = await apps.get(id!);
        if (!app) throw new AppError(`app ${id} does not exist`);
        print(app);
        return 0;
      }
      case 'apps create':
        print(await apps.create(id!, changes));
        return 0;
      case 'apps update':
        print(await apps.update(id!, changes));
        return 0;
      case 'apps rotate-key':
        print(await apps.rotateKey(id!));
        return 0;
      default:
        await apps.delete(id!);
        out(`deleted app ${id} (servers stop accepting its key within 5 s; its uploaded files go at their next start)\n`);
        return 0;
    }
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

/** `parley admin rotate-token`: stores the hash of a new token and prints the token, once. */
async function runAdmin(env: Record<string, string | undefined>, out: Out, err: Out): Promise<number> {
  let config;
  try {
    config = loadConfig({ DATA_DIR: env.DATA_DIR, DATABASE_URL: env.DATABASE_URL });
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`parley: invalid configuration: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (!(await storageExists(config))) {
    err(`parley: there is no Parley database at ${storageAddress(config)} (set DATA_DIR or DATABASE_URL to the one the servers use)\n`);
    return 1;
  }
  const storage = await openStorage({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolMax: 1 });
  try {
    const token = await new AdminTokens(storage).rotate();
    if (env.ADMIN_TOKEN) err('parley: warning: ADMIN_TOKEN is set here; servers started with ADMIN_TOKEN keep using it and ignore the stored token\n');
    // Printed once, on purpose: only its hash is stored.
    out(`new admin token for the console (servers take it within 5 s; the old one stops working):\n  ADMIN_TOKEN=${token}\n`);
    return 0;
  } finally {
    await storage.close();
  }
}

/** Runs one CLI command; returns the process exit code. Output goes to the given writers. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, out: Out, err: Out): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...Object.fromEntries(Object.keys(APP_OPTIONS).map((flag) => [flag, { type: 'string' as const }])),
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    err(`parley: ${(e as Error).message}\n${usage()}\n`);
    return 2;
  }
  const { values } = parsed;
  let positionals = parsed.positionals;
  if (values.version) {
    out(`parley ${PARLEY_VERSION}\n`);
    return 0;
  }
  // `parley help apps create` reads as `parley apps create --help`.
  const helpWanted = values.help === true || positionals[0] === 'help';
  if (positionals[0] === 'help') positionals = positionals.slice(1);
  const [group, sub, id, ...extra] = positionals;

  if (group === undefined) {
    (helpWanted ? out : err)(`${usage()}\n`);
    return helpWanted ? 0 : 2;
  }
  if (group !== 'check' && group !== 'apps' && group !== 'admin') {
    err(`parley: unknown command '${group}' (commands: check, apps, admin)\n${usage()}\n`);
    return 2;
  }
  if (group !== 'check' && sub === undefined) {
    (helpWanted ? out : err)(`${usage(group)}\n`);
    return helpWanted ? 0 : 2;
  }
  const name = group === 'check' ? 'check' : `${group} ${sub}`;
  const command = COMMANDS[name];
  if (!command) {
    const known = Object.keys(COMMANDS).filter((c) => c.startsWith(`${group} `)).map((c) => c.slice(group.length + 1));
    err(`parley: unknown ${group} command '${sub}' (${group} commands: ${known.join(', ')})\n${usage(group)}\n`);
    return 2;
  }
  if (helpWanted) {
    out(`${commandHelp(name, command)}\n`);
    return 0;
  }
  const stray = Object.keys(values).filter((flag) => !(flag in command.options));
  const extraArgs = group === 'check' ? [sub, id, ...extra].filter((a) => a !== undefined) : group === 'admin' ? [id, ...extra].filter((a) => a !== undefined) : extra;
  if (stray.length > 0 || extraArgs.length > 0) {
    const what = stray.length > 0 ? `option --${stray[0]}` : `argument ${extraArgs[0]}`;
    err(`parley: ${name} does not take the ${what}\n${commandHelp(name, command)}\n`);
    return 2;
  }

  if (name === 'check') {
    const lines = await checkDeployment(env);
    out(formatCheck(lines));
    return lines.some((l) => l.status === 'fail') ? 1 : 0;
  }
  if (group === 'admin') return runAdmin(env, out, err);
  return runApps(name, id, values, env, out, err);
}

// Run only when executed directly (tests and scripts/parley.js import runCli).
if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`parley: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
