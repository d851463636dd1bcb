/**
 * The production path an operator takes, in a copy of this checkout: `npm run build`, then
 * `npm prune --omit=dev` (no esbuild, no tsx left), then `npm start` — one node process serving
 * `/health`, the demo page, `/docs` and the pre-built, compressed, cacheable SDK bundle — and the CLI of
 * the build. node_modules is copied as hard links (cheap); prune only unlinks files in the copy.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../scripts/process-tree.ts';
import { SDK_VERSION } from '../packages/sdk/src/version.ts';
import { startHookReceiver } from './support/hook-receiver.ts';
import { freePort } from './support/node-process.ts';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url).pathname;
const KEY = 'production-key-0123456789';

let copy: string;
let npmStart: ChildProcess;
let url: string;
let output = '';

async function npm(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout, stderr } = await run('npm', args, { cwd: copy, env: { ...process.env, ...env }, maxBuffer: 10 * 1024 * 1024 });
  return stdout + stderr;
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'parley-production-'));
  // The working tree as it is (tracked and new files), without build output or data.
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, maxBuffer: 10 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(copy, file), { recursive: true });
  }
  await run('cp', ['-al', join(ROOT, 'node_modules'), join(copy, 'node_modules')]);
  await run('cp', ['-al', join(ROOT, 'packages/server/node_modules'), join(copy, 'packages/server/node_modules')]);
  // npm rewrites this one in place: a real copy, so the checkout's own stays untouched.
  rmSync(join(copy, 'node_modules/.package-lock.json'));
  cpSync(join(ROOT, 'node_modules/.package-lock.json'), join(copy, 'node_modules/.package-lock.json'));

  output += await npm(['run', 'build']);
  output += await npm(['prune', '--omit=dev', '--no-audit', '--no-fund']);

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  npmStart = spawn('npm', ['start'], {
    cwd: copy,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(copy, 'data'), APP_ID: 'demo', APP_API_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npmStart.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  npmStart.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/health`).then((r) => r.ok, () => false))) {
    if (npmStart.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not answer /health:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  if (npmStart && npmStart.exitCode === null) {
    const exited = new Promise((resolve) => npmStart.once('exit', resolve));
    npmStart.kill('SIGTERM');
    await exited;
  }
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** Headers of a GET whose body stays as sent (fetch would decode it and drop content-encoding). */
async function head(path: string, acceptEncoding: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}${path}`, { headers: { 'accept-encoding': acceptEncoding } });
  await res.arrayBuffer();
  return Object.fromEntries(res.headers);
}

describe('production start', () => {
  it('prune left no build tools, and the build holds the server and the browser bundles', () => {
    for (const tool of ['esbuild', 'tsx', 'typescript', 'vitest']) expect(existsSync(join(copy, 'node_modules', tool)), tool).toBe(false);
    for (const file of ['server/main.js', 'server/main.js.map', 'server/cli.js', 'server/outbox-thread.worker.js', 'bundles/sdk.min.js.br', 'bundles/web.min.js.gz', 'public/index.html.br']) {
      expect(existsSync(join(copy, 'dist', file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(copy, 'dist/build-info.json'), 'utf8'))).toMatchObject({ sdkVersion: SDK_VERSION });
  });

  it('npm start runs one node process, no tsx or esbuild, with nothing under it', () => {
    const tree = processTree(npmStart.pid!);
    const names = tree.map((p) => p.name);
    expect(names.filter((n) => /tsx|esbuild/.test(n)), names.join('\n')).toEqual([]);
    const servers = tree.filter((p) => p.name.startsWith('node scripts/start.js'));
    expect(servers, names.join('\n')).toHaveLength(1);
    // npm itself, and the server it exec'd in place of a shell: nothing else.
    expect(tree, names.join('\n')).toHaveLength(2);
    expect(tree.filter((p) => p.ppid === servers[0]!.pid)).toEqual([]);
  });

  it('serves /health, the demo page, /docs and the API', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/sdk/parley.min.js');
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
    const access = await fetch(`${url}/v2/auth/demo/access`, {
      method: 'POST',
      headers: { 'x-nhn-apikey': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice' }),
    });
    expect(access.status).toBe(200);
  });

  it('serves the pre-built SDK bundle compressed, the versioned file immutable, the others revalidated', async () => {
    const versioned = await head(`/sdk/gitple-live-sdk-v${SDK_VERSION}.min.js`, 'br, gzip');
    expect(versioned).toMatchObject({ 'content-encoding': 'br', 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding' });
    expect(versioned.etag).toMatch(/^"[\w-]+-br"$/);
    expect(Number(versioned['content-length'])).toBe(readFileSync(join(copy, 'dist/bundles/sdk.min.js.br')).length);
    expect(await head('/sdk/parley.min.js', 'gzip')).toMatchObject({ 'content-encoding': 'gzip', 'cache-control': 'no-cache' });
    expect(await head('/app.js', 'br')).toMatchObject({ 'content-encoding': 'br', 'cache-control': 'no-cache' });
    expect(await head('/style.css', 'br')).toMatchObject({ 'content-encoding': 'br' });
    expect(await head('/', 'gzip, br')).toMatchObject({ 'content-encoding': 'br', 'content-type': 'text/html; charset=utf-8' });
    const plain = await fetch(`${url}/sdk/parley.min.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toContain('GitpleLive');
  });

  it('sends chat webhooks from the thread the build made for them', async () => {
    const receiver = await startHookReceiver();
    try {
      const call = async (method: string, path: string, body: unknown) => {
        const res = await fetch(`${url}/v1${path}`, { method, headers: { APP_ID: 'demo', APP_API_KEY: KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return res.status;
      };
      for (const user of ['alice', 'bob']) expect(await call('POST', '/users', { user_id: user, name: user })).toBe(201);
      expect(await call('POST', '/group/channels', { channel_id: 'built', name: 'built', members: ['alice', 'bob'] })).toBe(201);
      expect(await call('PUT', '/application/settings', { chat_webhook_url: receiver.url, chat_webhook_events: ['group:message_send'] })).toBe(200);
      expect(await call('POST', '/group/channels/built/messages', { type: 'text', user_id: 'alice', content: 'from the build' })).toBe(201);
      await expect.poll(() => receiver.received.map((h) => (h.body.payload as { message?: { content?: string } } | undefined)?.message?.content), { timeout: 10_000 }).toContain('from the build');
    } finally {
      await receiver.close();
    }
  });

  it('the CLI of the build works after prune', async () => {
    const list = JSON.parse(await npm(['run', '--silent', 'parley', '--', 'apps', 'list'], { DATA_DIR: join(copy, 'data') })) as Array<{ id: string }>;
    expect(list.map((a) => a.id)).toEqual(['demo']);
  });

  it('deploy/parley.service runs files the build made', async () => {
    const unit = readFileSync(join(copy, 'deploy/parley.service'), 'utf8');
    const commands = [...unit.matchAll(/^Exec\w+=(.*)$/gm)].map((m) => m[1]!.split(/\s+/));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const args of commands) {
      expect(args[0]).toBe('/usr/bin/node');
      for (const file of args.filter((a) => a.endsWith('.js'))) expect(existsSync(join(copy, file)), file).toBe(true);
    }
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
    if (analyze) await run(analyze, ['verify', join(copy, 'deploy/parley.service')]);
  });
});
