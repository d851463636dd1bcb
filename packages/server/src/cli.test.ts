import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_ADMIN_URL, postgresAvailable, REDIS_URL, redisAvailable } from '../../../test/support/services.ts';
import { runCli } from './cli.ts';
import { openStorage } from './storage/database.ts';
import { PARLEY_VERSION } from './version.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(argv: string[], env: Record<string, string | undefined> = { DATA_DIR: dataDir }): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, env, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('parley apps', () => {
  it('creates, shows, lists, updates, rotates keys and deletes', async () => {
    const created = await cli(['apps', 'create', 'shop', '--webhook-url', 'http://127.0.0.1:9/hook', '--webhook-events', 'connect,disconnect']);
    expect(created.code).toBe(0);
    const app = JSON.parse(created.out);
    expect(app).toMatchObject({ id: 'shop', webhook_url: 'http://127.0.0.1:9/hook', webhook_events: ['connect', 'disconnect'] });
    expect(app.api_key).toMatch(/^[\w-]{20,}$/);
    expect(JSON.parse((await cli(['apps', 'show', 'shop'])).out)).toEqual(app);

    const rotated = JSON.parse((await cli(['apps', 'rotate-key', 'shop'])).out);
    expect(rotated.api_key).not.toBe(app.api_key);

    const updated = JSON.parse((await cli(['apps', 'update', 'shop', '--webhook-url', '', '--api-key', 'fixed-key-0123456789'])).out);
    expect(updated).toMatchObject({ webhook_url: null, api_key: 'fixed-key-0123456789' });

    await cli(['apps', 'create', 'other']);
    expect(JSON.parse((await cli(['apps', 'list'])).out).map((a: { id: string }) => a.id)).toEqual(['other', 'shop']);

    const unconfirmed = await cli(['apps', 'delete', 'shop']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.err).toMatch(/--yes/);
    expect((await cli(['apps', 'show', 'shop'])).code).toBe(0);
    const deleted = await cli(['apps', 'delete', 'shop', '--yes']);
    expect(deleted.code).toBe(0);
    expect((await cli(['apps', 'show', 'shop'])).err).toMatch(/app shop does not exist/);
    expect(JSON.parse((await cli(['apps', 'list'])).out).map((a: { id: string }) => a.id)).toEqual(['other']);
    expect((await cli(['apps', 'delete', 'shop', '--yes'])).err).toMatch(/does not exist/);
  });

  it('apps delete removes what was stored for the app, and only that', async () => {
    await cli(['apps', 'create', 'gone']);
    await cli(['apps', 'create', 'kept']);
    const storage = await openStorage({ dataDir, poolMax: 1 });
    const user = (app: string) => ({ app_id: app, user_id: 'u1', name: 'U', profile_url: '', meta: '{}', tokens_revoked_at: 0, incarnation: 'i1', created_at: 1, updated_at: 1 });
    try {
      await storage.db.insertInto('chat_users').values([user('gone'), user('kept')]).execute();
      expect((await cli(['apps', 'delete', 'gone', '--yes'])).code).toBe(0);
      const left = await storage.db.selectFrom('chat_users').select('app_id').execute();
      expect(left.map((r) => r.app_id)).toEqual(['kept']);
    } finally {
      await storage.close();
    }
    await cli(['apps', 'delete', 'kept', '--yes']);
  });

  it('refuses keys shorter than 16 characters, before touching the database', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'parley-cli-key-'));
    try {
      const short = await cli(['apps', 'create', 'k1', '--api-key', 'fixed-key'], { DATA_DIR: fresh });
      expect(short.code).toBe(2);
      expect(short.err).toMatch(/--api-key must be 16 to 256 printable characters.*got 9/);
      expect(short.err).not.toMatch(/creating a new, empty one/);
      expect((await cli(['apps', 'create', 'k1', '--api-key', 'has a space in it 0123'], { DATA_DIR: fresh })).code).toBe(2);
      expect((await cli(['apps', 'create', 'k1', '--api-key', 'sixteen-chars-ok'], { DATA_DIR: fresh })).code).toBe(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('warns before it creates a new, empty database', async () => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'parley-cli-new-')), 'data');
    try {
      const first = await cli(['apps', 'list'], { DATA_DIR: fresh });
      expect(first.code).toBe(0);
      expect(first.err).toMatch(new RegExp(`warning: there is no Parley database at ${fresh}/parley.sqlite; creating a new, empty one`));
      expect((await cli(['apps', 'list'], { DATA_DIR: fresh })).err).toBe('');
    } finally {
      rmSync(join(fresh, '..'), { recursive: true, force: true });
    }
  });

  it('explains mistakes with a non-zero exit, naming what was wrong', async () => {
    expect((await cli(['apps', 'create', 'other'])).err).toMatch(/already exists/);
    expect((await cli(['apps', 'create', 'bad id!'])).code).toBe(1);
    expect((await cli(['apps', 'update', 'nobody', '--api-key', 'a-long-enough-key-1'])).err).toMatch(/does not exist/);
    expect((await cli(['apps', 'create', 'x2', '--webhook-events', 'explode'])).err).toMatch(/unknown webhook event/);
    // The same rule as APP_WEBHOOK_URL in the configuration (apps/hook-url.ts), checked before storage is opened.
    expect((await cli(['apps', 'create', 'x3', '--webhook-url', 'ftp://h/x'])).err).toMatch(/webhook URL must be an http:\/\/ or https:\/\/ URL/);
    expect((await cli(['apps', 'update', 'other', '--webauth-url', 'not a url'])).err).toMatch(/WebAuth URL must be an http:\/\/ or https:\/\/ URL/);
    const unknownSub = await cli(['apps', 'frobnicate', 'x']);
    expect(unknownSub.code).toBe(2);
    expect(unknownSub.err).toMatch(/unknown apps command 'frobnicate' \(apps commands: list, show, create, update, rotate-key, delete\)/);
    const unknown = await cli(['nothing']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'nothing'/);
    expect((await cli(['apps', 'rotate-key'])).err).toMatch(/needs an app id/);
    expect((await cli(['apps', 'list', '--api-key', 'k'])).err).toMatch(/apps list does not take the option --api-key/);
    expect((await cli(['apps', 'create', 'x', '--frob'])).code).toBe(2);
  });
});

describe('parley --version and help', () => {
  it('prints the version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: `parley ${PARLEY_VERSION}\n`, err: '' });
  });

  it('has help per command, also as `parley help …`', async () => {
    const general = await cli(['--help']);
    expect(general.code).toBe(0);
    expect(general.out).toMatch(/parley apps delete <id> --yes/);
    expect(general.out).toMatch(/parley check/);
    const create = await cli(['apps', 'create', '--help']);
    expect(create.code).toBe(0);
    expect(create.out).toMatch(/^usage: parley apps create <id> \[options\]/);
    expect(create.out).toMatch(/--webhook-events/);
    expect((await cli(['help', 'apps', 'create'])).out).toBe(create.out);
    expect((await cli(['apps', 'delete', '-h'])).out).toMatch(/--yes/);
    expect((await cli(['check', '--help'])).out).toMatch(/^usage: parley check/);
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.err).toMatch(/^usage:/);
  });
});

describe('parley check', () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => busy.close(resolve)));

  const line = (out: string, part: string) => out.split('\n').find((l) => l.slice(6).startsWith(part)) ?? '';

  it('reports each part on one line and passes on a working single-node setup', async () => {
    const { code, out } = await cli(['check'], { DATA_DIR: dataDir, PORT: '0' });
    expect(code).toBe(0);
    expect(line(out, 'configuration')).toMatch(/^ok /);
    expect(line(out, 'data directory')).toMatch(new RegExp(`^ok .*${dataDir}: writable`));
    expect(line(out, 'SQLite')).toMatch(/^ok .*parley\.sqlite: \d+ apps?, schema up to date/);
    expect(line(out, 'Redis')).toMatch(/^ok .*not configured: single node/);
    expect(out).toMatch(/parley check: ready to start\n$/);
  });

  it('fails, naming the part and the cause, for a bad setting, an unusable data directory or a busy port', async () => {
    const cors = await cli(['check'], { DATA_DIR: dataDir, CORS_ORIGINS: 'app.example.com' });
    expect(cors.code).toBe(1);
    expect(line(cors.out, 'configuration')).toMatch(/^fail .*CORS_ORIGINS: app\.example\.com is not an origin/);

    const proc = await cli(['check'], { DATA_DIR: '/proc/parley', PORT: '0' });
    expect(proc.code).toBe(1);
    expect(line(proc.out, 'data directory')).toMatch(/^fail .*\/proc\/parley: no such file or directory \(ENOENT\)/);

    const port = await cli(['check'], { DATA_DIR: dataDir, PORT: String(busyPort) });
    expect(port.code).toBe(0); // in use is a warning: the check may run beside the server it checks
    expect(line(port.out, 'HTTP port')).toMatch(new RegExp(`^warn .*127\\.0\\.0\\.1:${busyPort}: in use`));

    const wild = await cli(['check'], { DATA_DIR: dataDir, PORT: '0', HOST: '0.0.0.0' });
    expect(line(wild.out, 'public URL')).toMatch(/^warn .*PUBLIC_URL is unset/);
  });

  it('reaches Redis: ok when it answers, fail with its address when it does not', async (ctx) => {
    if (!(await redisAvailable())) return ctx.skip();
    const ok = await cli(['check'], { DATA_DIR: dataDir, PORT: '0', REDIS_URL });
    expect(line(ok.out, 'Redis')).toMatch(/^ok .*Redis \d+\.\d+.*cluster mode with prefix parley/);
    const dead = await deadPort();
    const bad = await cli(['check'], { DATA_DIR: dataDir, PORT: '0', REDIS_URL: `redis://127.0.0.1:${dead}` });
    expect(bad.code).toBe(1);
    expect(line(bad.out, 'Redis')).toMatch(new RegExp(`^fail .*127\\.0\\.0\\.1:${dead}: connection refused.*ECONNREFUSED`));
    expect(bad.out).toMatch(/parley check: 1 part failed\n$/);
  });

  it('reaches PostgreSQL: its version and schema state, or the address and cause', async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const ok = await cli(['check'], { DATA_DIR: dataDir, PORT: '0', DATABASE_URL: POSTGRES_ADMIN_URL });
    expect(line(ok.out, 'PostgreSQL')).toMatch(/^(ok|warn) .*127\.0\.0\.1:5432\/postgres \(PostgreSQL \d+/);
    const dead = await deadPort();
    const bad = await cli(['check'], { DATA_DIR: dataDir, PORT: '0', DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${dead}/parley` });
    expect(bad.code).toBe(1);
    const failed = line(bad.out, 'PostgreSQL');
    expect(failed).toMatch(new RegExp(`^fail .*127\\.0\\.0\\.1:${dead}/parley: connection refused.*ECONNREFUSED`));
    expect(failed).not.toMatch(/secret/);
  });
});
