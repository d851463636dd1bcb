/**
 * The seed's GitpleLive tutorial (STEP 1–7) in real Chromium, its code verbatim in
 * test/fixtures/gitplelive-tutorial.html, served from another origin than Parley (as a customer's site
 * would be). Only these are filled in: `https://{API_HOST}` (this test server speaks plain HTTP, so
 * the scheme becomes http), `{VERSION}`, the app and user ids, the API key and the session token.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_VERSION } from '../packages/sdk/src/version.ts';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const TEMPLATE = readFileSync(new URL('./fixtures/gitplelive-tutorial.html', import.meta.url), 'utf8');

function fill(template: string, values: { apiBase: string; appId: string; apiKey: string; userId: string; sessionToken: string }): string {
  const replacements: Array<[string, string]> = [
    ['https://{API_HOST}', values.apiBase],
    ['{VERSION}', SDK_VERSION],
    ["const app_id = 'app_id';", `const app_id = '${values.appId}';`],
    ["const user_id = 'user_id';", `const user_id = '${values.userId}';`],
    ['{APP_API_KEY}', values.apiKey],
    ['{SESSION_TOKEN}', values.sessionToken],
  ];
  let html = template;
  for (const [from, to] of replacements) {
    if (!html.includes(from)) throw new Error(`tutorial template lacks ${from}`);
    html = html.replaceAll(from, to);
  }
  return html;
}

describe.skipIf(skipBrowserTests())('GitpleLive tutorial, verbatim, in Chromium', () => {
  let tp: TestParley;
  let site: Server;
  let browser: Browser;
  let page: Page;
  const logs: ConsoleMessage[] = [];

  async function platform(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${tp.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', APP_ID: tp.appId, APP_API_KEY: tp.apiKey },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** The next console.log whose first argument is an object (a step's `console.log(data)`). */
  async function nextLoggedObject(run: () => Promise<unknown>): Promise<Record<string, unknown>> {
    const seen = logs.length;
    await run();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      for (const msg of logs.slice(seen)) {
        const value: unknown = await msg.args()[0]?.jsonValue();
        if (value && typeof value === 'object') return value as Record<string, unknown>;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no object logged; console: ${logs.slice(seen).map((m) => m.text()).join(' | ')}`);
  }

  async function waitForLog(text: string): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const i = logs.findIndex((m) => m.text() === text);
      if (i >= 0) return i;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`"${text}" never logged; console: ${logs.map((m) => m.text()).join(' | ')}`);
  }

  beforeAll(async () => {
    tp = await startParley();
    // The tutorial's channel has members user_1 and user_2; STEP 4 creates user_3.
    await platform('POST', '/v1/users', { user_id: 'user_1', name: 'user_1' });
    await platform('POST', '/v1/users', { user_id: 'user_2', name: 'user_2' });
    const { token } = await platform('POST', '/v1/users/user_2/token', { expires_at: Date.now() + 3_600_000 });
    const html = fill(TEMPLATE, { apiBase: tp.url, appId: tp.appId, apiKey: tp.apiKey, userId: 'user_2', sessionToken: String(token) });
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (msg) => logs.push(msg));
    page.on('pageerror', (err) => logs.push({ text: () => `pageerror: ${err.message}`, args: () => [] } as unknown as ConsoleMessage));
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await tp?.stop();
  });

  it('STEP 1–2: loads the SDK from the server and logs "GitpleLive Connect"', async () => {
    await waitForLog('GitpleLive Connect');
    expect(logs.some((m) => m.text().startsWith('pageerror'))).toBe(false);
  });

  it('STEP 3–6 create the channel and user, join and send; STEP 7 receives group:message_send', async () => {
    const channel = await nextLoggedObject(() => page.evaluate(`step3('${tp.url}/v1/group/channels')`));
    expect(channel).toMatchObject({ channel_id: 'channel_1', name: 'channel_1', type: 'group', freeze: false });
    const user = await nextLoggedObject(() => page.evaluate('step4()'));
    expect(user).toMatchObject({ user_id: 'user_3', name: 'user_3' });
    const joined = await nextLoggedObject(() => page.evaluate('step5()'));
    expect(joined).not.toHaveProperty('code');
    const sent = await nextLoggedObject(() => page.evaluate('step6()'));
    expect(sent).toMatchObject({ type: 'text', content: '안녕하세요', channel_id: 'channel_1', user: { user_id: 'user_1' } });

    const at = await waitForLog('=== group:message_send ===');
    const channelLog = logs[at + 1]!;
    const messageLog = logs[at + 2]!;
    expect(channelLog.text()).toMatch(/^channel:/);
    expect(await channelLog.args()[1]!.jsonValue()).toMatchObject({ channel_id: 'channel_1' });
    expect(await messageLog.args()[1]!.jsonValue()).toMatchObject({ message_id: sent.message_id, content: '안녕하세요' });
  });
});
