/**
 * The operator console in real Chromium, against a real server with real clients: sign-in refused with
 * a wrong token; the overview's connection count moves when a client connects; an event published
 * through the Service API shows in the debug console within 2 s; a message deleted in the console
 * leaves a member's SDK with `group:message_delete`; a ban takes effect on a connected SDK; the audit
 * log lists both; no view scrolls sideways at 390 px. Screenshots of every view at 1280 and 390 px go
 * to test-output/admin/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Message } from '../packages/sdk/src/index.ts';
import { ADMIN_TOKEN } from './support/admin-client.ts';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import { accessUrl, connectClient, connected, publish, type AnyClient } from './support/rtcs-clients.ts';
import { startHookReceiver } from './support/hook-receiver.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const SHOTS = 'test-output/admin';
const VIEWS = ['overview', 'console', 'apps', 'moderation', 'presence', 'audit'] as const;

describe.skipIf(skipBrowserTests())('operator console in Chromium', () => {
  let tp: TestParley;
  let browser: Browser;
  let page: Page;
  let tokens: Record<string, string>;
  const sdks: Client[] = [];
  const rtcs: AnyClient[] = [];

  beforeAll(async () => {
    // One quick retry: a failing chat webhook is marked failed within the test.
    tp = await startParley({ env: { ADMIN_TOKEN, CHAT_WEBHOOK_BACKOFF_MS: '50' } });
    ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'mallory'], channels: { lobby: ['alice', 'bob', 'mallory'] } }));
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    // The console asks before it deletes, bans or disconnects: the operator says yes.
    page.on('dialog', (dialog) => void dialog.accept());
    mkdirSync(SHOTS, { recursive: true });
  }, 30_000);

  afterAll(async () => {
    for (const c of sdks) c.disconnectUser();
    for (const c of rtcs) c.close();
    await browser?.close();
    await tp?.stop();
  });

  async function sdk(user: string) {
    const client = new Client({ app_id: tp.appId, url: tp.url, session_token: tokens[user]!, reconnect: { attempts: 0 } });
    sdks.push(client);
    const events: Array<{ event: string; args: unknown[] }> = [];
    for (const event of ['group:message_send', 'group:message_delete', 'group:channel_ban'] as const) client.on(event, (...args: unknown[]) => events.push({ event, args }));
    await client.connectUser({ user_id: user });
    return events;
  }

  const go = async (view: (typeof VIEWS)[number]) => {
    await page.click(`nav a[href="#/${view}"]`);
    await page.locator('main h2:focus').waitFor();
  };

  it('refuses a wrong token, then signs in with the right one', async () => {
    await page.goto(`${tp.url}/admin/`);
    await page.getByLabel('Admin token').fill('not-the-admin-token-0000');
    await page.getByLabel('Your name (for the audit log)').fill('kim');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That admin token was refused.' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/sign-in-refused-1280.png` });
    // Keyboard only: the token field, Enter.
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByLabel('Admin token').press('Enter');
    await page.locator('nav a[aria-current="page"]', { hasText: 'Overview' }).waitFor();
  });

  it("moves the overview's connection count when a client connects", async () => {
    const count = page.locator('#stat-connections .value');
    await expect.poll(() => count.textContent(), { timeout: 5000 }).toBe('0');
    const client = connectClient('4.x', await accessUrl(tp, 'visitor', ['news']), ['websocket']);
    rtcs.push(client);
    await connected(client);
    await expect.poll(() => count.textContent(), { timeout: 5000 }).toBe('1');
    await page.locator('.chart canvas').first().waitFor();
  });

  it('shows an event published through the Service API in the debug console within 2 s', async () => {
    await go('console');
    await page.locator('#stream-status', { hasText: 'Live on' }).waitFor();
    const sent = Date.now();
    expect((await publish(tp, ['news'], 'price_update', { sku: 'A-1', price: 42 })).status).toBe(200);
    const row = page.locator('#activity li.type-publish', { hasText: 'price_update' });
    await row.waitFor({ timeout: 2000 });
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(await row.textContent()).toContain('{"sku":"A-1","price":42}');
    // Filters narrow what is shown; pause holds new events until resume.
    await page.getByLabel('Event contains').fill('nothing-like-this');
    await expect.poll(() => page.locator('#activity li').count()).toBe(0);
    await page.getByLabel('Event contains').fill('');
    await page.getByRole('button', { name: 'Pause' }).click();
    await publish(tp, ['news'], 'while_paused', 'x');
    await page.getByRole('button', { name: /Resume \(1 held\)/ }).click();
    await page.locator('#activity li', { hasText: 'while_paused' }).waitFor();
    // The form publishes through the same API.
    await page.getByLabel('Channels (comma-separated)').fill('news');
    await page.getByLabel('Event', { exact: true }).last().fill('from_the_form');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('#activity li', { hasText: 'from_the_form' }).waitFor({ timeout: 2000 });
  });

  it("deletes a message in the console: it leaves the member's SDK with group:message_delete", async () => {
    const bob = await sdk('bob');
    const id = await sendText(tp.url, tp.appId, tp.apiKey, 'lobby', 'alice', 'regrettable words');
    await expect.poll(() => bob.some((e) => e.event === 'group:message_send' && (e.args[0] as Message).message_id === id)).toBe(true);
    await go('moderation');
    await page.getByLabel('Channel id or name').fill('lobby');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#channels button[data-channel="lobby"]').click();
    await page.locator(`#messages li[data-message="${id}"]`).waitFor();
    await page.getByRole('button', { name: `Delete message ${id} by alice` }).click();
    await page.getByRole('status').filter({ hasText: `Deleted message ${id}.` }).waitFor();
    expect(await page.locator(`#messages li[data-message="${id}"]`).count()).toBe(0);
    await expect.poll(() => bob.find((e) => e.event === 'group:message_delete')?.args[0]).toMatchObject({ message_id: id, channel_id: 'lobby' });
  });

  it('mutes a member from the console: its sends are refused with 1021 until it is unmuted', async () => {
    const send = (content: string) =>
      fetch(`${tp.url}/v1/group/channels/lobby/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'text', user_id: 'bob', content }) }).then((r) => r.json() as Promise<{ code?: number }>);
    await page.getByRole('button', { name: 'Mute bob…' }).click();
    expect(await page.locator('#mute-form input[name="user_id"]').inputValue()).toBe('bob');
    await page.locator('#mute-form button[type="submit"]').click();
    await page.locator('#mutes li', { hasText: 'bob' }).waitFor();
    expect((await send('muted?')).code).toBe(1021);
    await page.getByRole('button', { name: 'Unmute bob' }).click();
    await page.locator('#mutes li', { hasText: 'bob' }).waitFor({ state: 'detached' });
    expect((await send('free again')).code).toBeUndefined();
  });

  it('bans a connected member from the console: its SDK hears the ban and no message after it', async () => {
    const mallory = await sdk('mallory');
    await page.getByRole('button', { name: 'Ban mallory…' }).click();
    // The ban form's user field has it now, and the focus.
    expect(await page.locator('#ban-form input[name="user_id"]').inputValue()).toBe('mallory');
    await page.locator('#ban-form input[name="reason"]').fill('spam');
    await page.locator('#ban-form button[type="submit"]').click();
    await page.locator('#bans li', { hasText: 'mallory' }).waitFor();
    await expect.poll(() => mallory.some((e) => e.event === 'group:channel_ban')).toBe(true);
    const after = await sendText(tp.url, tp.appId, tp.apiKey, 'lobby', 'alice', 'after the ban');
    await new Promise((r) => setTimeout(r, 300));
    expect(mallory.some((e) => e.event === 'group:message_send' && (e.args[0] as Message).message_id === after)).toBe(false);
  });

  it("sets an app's word filter and chat webhook from the Apps view, as the server API then reads them", async () => {
    await go('apps');
    await page.locator('table button.link', { hasText: tp.appId }).click();
    await page.getByLabel('Word filter (one word per line)').fill('darn\n바보');
    await page.getByLabel('refuse it (1020)').check();
    await page.getByLabel('Chat webhook URL').fill('https://backend.example.com/chat-hooks');
    await page.getByRole('button', { name: 'Save chat settings' }).click();
    await page.getByRole('status').filter({ hasText: `Saved the chat settings of ${tp.appId}.` }).waitFor();
    const res = await fetch(`${tp.url}/v1/application/settings`, { headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey } });
    expect(await res.json()).toMatchObject({ word_filter: { words: ['darn', '바보'], mode: 'block' }, chat_webhook_url: 'https://backend.example.com/chat-hooks' });
  });

  it("lists the app's failed chat webhook deliveries and retries one from the Apps view", async () => {
    const receiver = await startHookReceiver();
    try {
      receiver.respond = () => ({ status: 500 });
      const settings = await fetch(`${tp.url}/v1/application/settings`, {
        method: 'PUT',
        headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ chat_webhook_url: receiver.url, chat_webhook_events: ['group:message_send'] }),
      });
      expect(settings.status).toBe(200);
      await sendText(tp.url, tp.appId, tp.apiKey, 'lobby', 'alice', 'never acknowledged');
      // The first try and one retry, then failed.
      await expect.poll(() => receiver.received.length, { timeout: 5000 }).toBe(2);
      const delivery = String(receiver.received[0]!.headers['x-parley-delivery']);
      // The previous test left the Apps view open: leave it, so that it is read afresh.
      await go('audit');
      await go('apps');
      await page.locator('table button.link', { hasText: tp.appId }).click();
      const section = page.locator('section[aria-labelledby="failed-deliveries-title"]');
      const row = section.locator(`tr[data-delivery="${delivery}"]`);
      // Marked failed right after the second answer: the list may have been read just before.
      await expect.poll(async () => {
        await section.getByRole('button', { name: 'Refresh' }).click({ timeout: 2000 });
        return row.count();
      }, { timeout: 5000 }).toBe(1);
      expect(await row.textContent()).toMatch(/group:message_send.*lobby · message \d+.*HTTP 500/);
      receiver.respond = () => ({ status: 200 });
      await row.getByRole('button', { name: `Retry delivery ${delivery}` }).click({ timeout: 2000 });
      await expect.poll(() => receiver.received.length, { timeout: 5000 }).toBe(3);
      await row.waitFor({ state: 'detached', timeout: 5000 });
      expect(new Set(receiver.received.map((h) => h.headers['x-parley-delivery']))).toEqual(new Set([delivery]));
    } finally {
      await receiver.close();
    }
  }, 30_000);

  it('lists both actions in the audit log, with who did them', async () => {
    await go('audit');
    const deleted = page.locator('#audit tr[data-action="message_delete"]');
    const banned = page.locator('#audit tr[data-action="user_ban"]');
    await deleted.waitFor();
    await banned.waitFor();
    expect(await deleted.textContent()).toContain('kim');
    expect(await banned.textContent()).toContain('lobby/mallory');
    expect(await banned.textContent()).toContain('spam');
  });

  it('shows presence and every view without sideways scrolling at 1280 and 390 px (screenshots)', async () => {
    const client = connectClient('4.x', await accessUrl(tp, 'present', ['presence_hall']), ['websocket']);
    rtcs.push(client);
    await connected(client);
    await go('presence');
    await page.getByLabel('Channel (presence_… or member_…)').fill('presence_hall');
    await page.getByRole('button', { name: 'Show members' }).click();
    await page.locator('#presence-members td', { hasText: /\S{22}/ }).waitFor();
    await go('apps');
    await page.locator('table button.link', { hasText: tp.appId }).click();
    await page.locator('.app-editor').first().waitFor();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      for (const view of VIEWS) {
        await go(view);
        if (view === 'moderation') await page.locator('#channels button[data-channel="lobby"]').click();
        if (view === 'presence') {
          await page.getByLabel('Channel (presence_… or member_…)').fill('presence_hall');
          await page.getByRole('button', { name: 'Show members' }).click();
          await page.locator('#presence-members tbody tr').first().waitFor();
        }
        if (view === 'overview') {
          await page.locator('.chart canvas').first().waitFor();
          // A few seconds of history, so that the charts have lines to show.
          for (let i = 0; i < 5; i++) {
            await publish(tp, ['news'], 'tick', { i });
            await page.waitForTimeout(400);
          }
        }
        if (view === 'console') {
          await page.locator('#stream-status', { hasText: 'Live on' }).waitFor();
          await publish(tp, ['news', 'prices'], 'price_update', { sku: 'A-1', price: 42, currency: 'KRW' });
          await sendText(tp.url, tp.appId, tp.apiKey, 'lobby', 'alice', '안녕하세요, everyone');
          const visitor = connectClient('4.x', await accessUrl(tp, `visitor-${width}`, ['news']), ['websocket']);
          rtcs.push(visitor);
          await page.locator('#activity li.type-subscribe', { hasText: `visitor-${width}` }).waitFor();
        }
        await page.waitForTimeout(150);
        // Strings: the test's TypeScript knows no DOM; the page runs them.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${view} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: `${SHOTS}/${view}-${width}.png`, fullPage: true });
      }
    }
  }, 60_000);

  it('is usable from the keyboard: a skip link, then the navigation in order', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    // A fresh load (signed in still: the token is kept in this tab).
    await page.goto('about:blank');
    await page.goto(`${tp.url}/admin/#/overview`);
    await page.locator('nav a[aria-current="page"]').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate<string>("`${document.activeElement.tagName} ${document.activeElement.getAttribute('id') ?? document.activeElement.textContent}`"));
    }
    expect(order.slice(0, 8)).toEqual(['SELECT app-picker', 'BUTTON sign-out', 'A Overview', 'A Debug console', 'A Apps', 'A Chat moderation', 'A Presence', 'A Audit log']);
    // Enter on a link opens its view and moves the focus to its heading.
    await page.locator('nav a', { hasText: 'Audit log' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('main h2:focus', { hasText: 'Audit log' }).waitFor();
    // Every input, select and textarea has a label.
    for (const view of VIEWS) {
      await go(view);
      const unlabelled = await page.evaluate<string[]>("[...document.querySelectorAll('input, select, textarea')].filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML)");
      expect(unlabelled, view).toEqual([]);
    }
  });
});
