/**
 * Two people chat through the demo page in real Chromium: each sees the other's messages, unread
 * counts, read receipts and a file message; a screenshot goes to test-output/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

/** A 1×1 PNG, for the file message. */
const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(skipBrowserTests())('demo chat page, two browsers', () => {
  let tp: TestParley;
  let browser: Browser;
  let alice: Page;
  let bob: Page;

  async function signIn(page: Page, user: string): Promise<void> {
    await page.goto(`${tp.url}/`);
    await page.click(`#dev-login button[data-user="${user}"]`);
    await page.locator('#state.connected').waitFor({ timeout: 10_000 });
    await page.waitForFunction(`document.querySelector('#me')?.textContent === ${JSON.stringify(user)}`, undefined, { timeout: 10_000 });
  }

  async function openChannel(page: Page, channelId: string): Promise<void> {
    await page.fill('#new-channel input[name=channel_id]', channelId);
    await page.click('#new-channel button');
    await page.locator(`#channels li.active[data-channel="${channelId}"]`).waitFor({ timeout: 10_000 });
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.fill('#composer input[name=content]', text);
    await page.click('#composer button');
  }

  beforeAll(async () => {
    // No APP_ID/APP_API_KEY: the server generates the `demo` app, which turns on POST /dev/token.
    tp = await startParley({ env: { APP_ID: undefined, APP_API_KEY: undefined } });
    browser = await launchChromium();
    alice = await (await browser.newContext()).newPage();
    bob = await (await browser.newContext()).newPage();
    await Promise.all([signIn(alice, 'alice'), signIn(bob, 'bob')]);
  });

  afterAll(async () => {
    await browser?.close();
    await tp?.stop();
  });

  it('alice opens a channel with bob; bob sees it with an unread count', async () => {
    await alice.fill('#new-channel input[name=members]', 'bob');
    await openChannel(alice, 'alice_bob');
    await send(alice, 'hello bob');
    await alice.locator('#messages li.mine', { hasText: 'hello bob' }).waitFor();
    await bob.locator('#channels li[data-channel="alice_bob"] .unread', { hasText: '1' }).waitFor({ timeout: 10_000 });
  });

  it('bob reads it: alice sees the read receipt; bob answers and alice sees it live', async () => {
    await bob.click('#channels li[data-channel="alice_bob"]');
    await bob.locator('#messages li', { hasText: 'hello bob' }).waitFor();
    await alice.locator('#receipt', { hasText: 'Read by bob' }).waitFor({ timeout: 10_000 });
    await send(bob, 'hi alice!');
    await alice.locator('#messages li:not(.mine)', { hasText: 'hi alice!' }).waitFor({ timeout: 10_000 });
    await bob.locator('#receipt', { hasText: 'Read by alice' }).waitFor({ timeout: 10_000 });
  });

  it('pages back through history with "Load older messages"', async () => {
    const demo = tp.parley.bootstrap.app!.id;
    for (let i = 1; i <= 25; i++) await tp.parley.chat.messages.sendText(demo, 'alice_bob', { user_id: 'alice', content: `history ${i}` });
    await bob.locator('#messages li', { hasText: 'history 25' }).waitFor({ timeout: 10_000 });
    // Reopening the channel loads the newest page only; older ones come on demand.
    await bob.click('#channels li[data-channel="alice_bob"]');
    await bob.locator('#messages li', { hasText: 'history 25' }).waitFor({ timeout: 10_000 });
    expect(await bob.locator('#messages li', { hasText: 'hello bob' }).count()).toBe(0);
    await bob.click('#older');
    await bob.locator('#messages li', { hasText: 'hello bob' }).waitFor({ timeout: 10_000 });
    expect(await bob.locator('#messages li').count()).toBe(27);
  });

  it('keeps each dev token to come back as the same user, and says when a name is taken', async () => {
    // Signing out and in again as alice reuses the token this browser got (the server creates a name once).
    await alice.click('#logout');
    await alice.locator('#login').waitFor();
    await signIn(alice, 'alice');
    await alice.click('#channels li[data-channel="alice_bob"]');
    await alice.locator('#channels li.active[data-channel="alice_bob"]').waitFor({ timeout: 10_000 });
    // Another browser cannot become alice.
    const carol = await (await browser.newContext()).newPage();
    await carol.goto(`${tp.url}/`);
    await carol.click('#dev-login button[data-user="alice"]');
    await carol.locator('#login-error', { hasText: 'The name "alice" is taken' }).waitFor({ timeout: 10_000 });
    expect(await carol.locator('#state.connected').count()).toBe(0);
    await carol.context().close();
  });

  it('a file message reaches the other side as an image', async () => {
    await alice.setInputFiles('#composer input[name=file]', { name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL_PNG });
    await alice.click('#composer button');
    const img = bob.locator('#messages li img[alt="pixel.png"]');
    await img.waitFor({ timeout: 10_000 });
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: 10_000 }).toBe(1);
    mkdirSync('test-output', { recursive: true });
    await bob.screenshot({ path: 'test-output/demo-chat.png', fullPage: true });
  });
});
