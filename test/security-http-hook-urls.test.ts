/**
 * Finding 12: WebAuth and webhook URLs took any scheme — `data:text/plain,ok` as a WebAuth URL answered
 * 200 to every subscribe. Only http(s) is taken, at every entry (config, AppService and so the CLI, and
 * at call time for URLs already stored). With OUTBOUND_DENY_PRIVATE=true the calls also refuse
 * loopback, private and other non-public addresses, checked on the address connected to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../packages/server/src/apps/app.service.ts';
import { runCli } from '../packages/server/src/cli.ts';
import { ConfigError, loadConfig } from '../packages/server/src/config.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, connectClient, connected, subscribe, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const NOT_HTTP = ['data:text/plain,ok', 'file:///etc/passwd', 'javascript:alert(1)', 'ftp://127.0.0.1/x', 'gopher://127.0.0.1:6379/_PING'];

let receiver: HookReceiver;
const started: TestParley[] = [];
const clients: AnyClient[] = [];
beforeAll(async () => {
  receiver = await startHookReceiver();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const tp of started.splice(0)) await tp.stop();
  receiver.received.length = 0;
});
afterAll(async () => {
  await receiver.close();
});

async function start(env: Record<string, string>): Promise<TestParley> {
  const tp = await startParley({ env });
  started.push(tp);
  return tp;
}
async function client(tp: TestParley, user: string): Promise<AnyClient> {
  const c = connectClient('4.x', await accessUrl(tp, user));
  clients.push(c);
  await connected(c);
  return c;
}
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('http(s) only', () => {
  it.each(NOT_HTTP)('refuses %s in APP_WEBAUTH_URL and APP_WEBHOOK_URL', (url) => {
    expect(() => loadConfig({ APP_WEBAUTH_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({ APP_WEBAUTH_URL: url })).toThrow(/APP_WEBAUTH_URL must be an http:\/\/ or https:\/\/ URL/);
    expect(() => loadConfig({ APP_WEBHOOK_URL: url })).toThrow(/APP_WEBHOOK_URL must be an http:\/\/ or https:\/\/ URL/);
  });

  it('takes http and https URLs', () => {
    expect(loadConfig({ APP_WEBAUTH_URL: 'https://shop.example.com/auth', APP_WEBHOOK_URL: 'http://10.0.0.5:8080/hook' }).bootstrapApp).toMatchObject({
      webauthUrl: 'https://shop.example.com/auth',
      webhookUrl: 'http://10.0.0.5:8080/hook',
    });
  });

  it('refuses them in AppService.create and update, and so in the CLI', async () => {
    const tp = await start({});
    for (const url of NOT_HTTP) {
      await expect(tp.parley.apps.create('evil', { webauthUrl: url })).rejects.toThrow(AppError);
      await expect(tp.parley.apps.create('evil', { webhookUrl: url })).rejects.toThrow(/webhook URL must be an http:\/\/ or https:\/\/ URL/);
      await expect(tp.parley.apps.update(tp.appId, { webauthUrl: url })).rejects.toThrow(/WebAuth URL must be an http:\/\/ or https:\/\/ URL/);
    }
    expect(await tp.parley.apps.get('evil')).toBeUndefined();
    expect((await tp.parley.apps.get(tp.appId))?.webauthUrl).toBeNull();

    const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    try {
      let err = '';
      const code = await runCli(['apps', 'create', 'evil', '--webauth-url', 'data:text/plain,ok'], { DATA_DIR: dataDir }, () => undefined, (s) => (err += s));
      expect(code).not.toBe(0);
      expect(err).toMatch(/WebAuth URL must be an http:\/\/ or https:\/\/ URL/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a data: WebAuth URL already stored in the database at call time: the subscribe is refused', async () => {
    const tp = await start({});
    // Written past AppService, as a database from before this check could hold it.
    await tp.parley.storage.db.updateTable('apps').set({ webauth_url: 'data:text/plain,ok', webhook_url: 'data:text/plain,ok' }).where('id', '=', tp.appId).execute();
    const c = await client(tp, 'data-user');
    expect(await subscribe(c, 'private_all')).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/WebAuth URL is not allowed/) });
    expect(await tp.parley.metrics.registry.getSingleMetricAsString('parley_hook_requests_total')).toMatch(/kind="webauth",outcome="refused"} 1/);
  });
});

describe('OUTBOUND_DENY_PRIVATE=true', () => {
  it.each([
    ['127.0.0.1', (port: string) => `http://127.0.0.1:${port}`],
    ['a name resolving to loopback', (port: string) => `http://localhost:${port}`],
  ])('refuses WebAuth on %s (subscribe_error) and delivers no webhook to it', async (_name, base) => {
    const port = new URL(receiver.url).port;
    const tp = await start({ OUTBOUND_DENY_PRIVATE: 'true', APP_WEBAUTH_URL: `${base(port)}/auth`, APP_WEBHOOK_URL: `${base(port)}/hook` });
    const c = await client(tp, 'ssrf-user');
    expect(await subscribe(c, 'private_inside')).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/WebAuth URL is not allowed/) });
    expect(await subscribe(c, 'public-room')).toMatchObject({ type: 'subscribe_success' });
    await settle();
    expect(receiver.received).toEqual([]);
  });

  it('still calls the same receiver when the deny-list is off (the control)', async () => {
    const tp = await start({ APP_WEBAUTH_URL: `${receiver.url}/auth`, APP_WEBHOOK_URL: `${receiver.url}/hook` });
    const c = await client(tp, 'inside-user');
    expect(await subscribe(c, 'private_inside')).toMatchObject({ type: 'subscribe_success' });
    await settle();
    expect(receiver.received.map((h) => h.path)).toEqual(expect.arrayContaining(['/auth', '/hook']));
  });

  it('does not follow a redirect (to anywhere)', async () => {
    const tp = await start({ APP_WEBAUTH_URL: `${receiver.url}/auth` });
    receiver.respond = () => ({ status: 302 });
    try {
      const c = await client(tp, 'redirected');
      expect(await subscribe(c, 'private_moved')).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/302/) });
      expect(receiver.received).toHaveLength(1);
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
  });
});
