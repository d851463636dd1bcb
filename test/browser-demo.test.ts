/**
 * The demo page in real Chromium, two people chatting, and the defects found when it was tried as a new
 * user would: unread counts from one list request and in the title, read receipts, timestamps, a
 * channel opening at its newest message, errors that go away after a success, a draft kept (with a
 * retry) when a send fails offline, text sent beside a file, channels and message menus by keyboard,
 * labelled inputs, AA contrast, and no sideways scrolling at 390 px. Screenshots at 1280 and 390 px go
 * to test-output/demo/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { DEMO_SHOTS, lowContrastText, message, openChannel, send, sidewaysOverflow, signIn, unlabelledInputs } from './support/demo-page.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

/** A 1×1 PNG, for the file message. */
const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe.skipIf(skipBrowserTests())('demo chat page, two browsers', () => {
  let tp: TestParley;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  /** Requests bob's page made to /v1/sdk (the channel list must not ask once per channel). */
  const bobRequests: string[] = [];

  const demoApp = () => tp.parley.bootstrap.app!.id;

  beforeAll(async () => {
    // No APP_ID/APP_API_KEY: the server generates the `demo` app, which turns on POST /dev/token.
    tp = await startParley({ env: { APP_ID: undefined, APP_API_KEY: undefined } });
    browser = await launchChromium();
    alice = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    bob = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    bob.on('request', (req) => {
      const url = new URL(req.url());
      if (url.pathname.startsWith('/v1/sdk/')) bobRequests.push(`${req.method()} ${url.pathname}${url.search}`);
    });
    await Promise.all([signIn(alice, tp.url, 'alice'), signIn(bob, tp.url, 'bob')]);
    mkdirSync(DEMO_SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await tp?.stop();
  });

  it('alice opens a channel with bob; bob sees it with an unread count, also in the title', async () => {
    await openChannel(alice, 'alice_bob', ['bob']);
    await send(alice, 'hello bob');
    await message(alice, 'hello bob').and(alice.locator('.mine')).waitFor();
    await bob.locator('#channels li[data-channel="alice_bob"] .unread', { hasText: '1' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => bob.title(), { timeout: 10_000 }).toBe('(1) Parley chat demo');
    // Every message shows when it was sent, with the full date as its title.
    const time = message(alice, 'hello bob').locator('time');
    expect(await time.getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await time.textContent()).toMatch(/\d\d?:\d\d/);
  });

  it('bob reads it: alice sees the read receipt, bob’s title clears; bob answers and alice sees it live', async () => {
    await bob.click('#channels li[data-channel="alice_bob"] button');
    await message(bob, 'hello bob').waitFor();
    await alice.locator('#receipt', { hasText: 'Read by bob' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => bob.title(), { timeout: 10_000 }).toBe('Parley chat demo');
    await send(bob, 'hi alice!');
    await alice.locator('#messages > li:not(.mine)', { hasText: 'hi alice!' }).waitFor({ timeout: 10_000 });
    await bob.locator('#receipt', { hasText: 'Read by alice' }).waitFor({ timeout: 10_000 });
  });

  it('loads the channel list with unread counts in one request, not one per channel', async () => {
    const app = demoApp();
    for (const id of ['room_one', 'room_two', 'room_three']) {
      await tp.parley.chat.channels.create(app, { channel_id: id, name: id, members: ['alice', 'bob'] });
      await tp.parley.chat.messages.sendText(app, id, { user_id: 'alice', content: `news in ${id}` });
    }
    // Members added at creation are told (group:channel_join): the page adds each channel as it comes.
    for (const id of ['room_one', 'room_two', 'room_three']) await bob.locator(`#channels li[data-channel="${id}"] .unread`, { hasText: '1' }).waitFor({ timeout: 10_000 });
    bobRequests.length = 0;
    await bob.reload();
    await bob.locator('#channels li[data-channel="room_three"] .unread', { hasText: '1' }).waitFor({ timeout: 10_000 });
    await bob.locator('#channels li[data-channel="room_one"] .unread', { hasText: '1' }).waitFor();
    await expect.poll(() => bob.title()).toBe('(3) Parley chat demo');
    // The SDK lists the joined channels once as it connects (for its catch-up); the page once, with
    // the unread counts; nothing asks for one channel at a time.
    expect(bobRequests.filter((r) => /^GET \/v1\/sdk\/group\/channels\/[^/?]+(\?|$)/.test(r))).toEqual([]);
    expect(bobRequests.filter((r) => r.startsWith('GET /v1/sdk/users/me/group/channels?') && r.includes('show_unread=true'))).toHaveLength(1);
  });

  it('opens a channel at its newest message; older pages come on demand without moving the view', async () => {
    const app = demoApp();
    for (let i = 1; i <= 45; i++) await tp.parley.chat.messages.sendText(app, 'alice_bob', { user_id: 'alice', content: `history ${i}` });
    await bob.click('#channels li[data-channel="room_one"] button');
    await bob.click('#channels li[data-channel="alice_bob"] button');
    const newest = message(bob, 'history 45');
    await newest.waitFor({ timeout: 10_000 });
    await expect.poll(() => newest.isVisible()).toBe(true);
    // In view: the newest message's box is inside the scrolled area's box.
    const inView = () =>
      bob.evaluate<boolean>(`(() => {
        const box = document.querySelector('.scroller').getBoundingClientRect();
        const last = [...document.querySelectorAll('#messages > li')].pop().getBoundingClientRect();
        return last.bottom <= box.bottom + 1 && last.top >= box.top - 1;
      })()`);
    await expect.poll(inView).toBe(true);
    expect(await message(bob, 'hello bob').count()).toBe(0);
    const firstShown = await bob.locator('#messages > li').first().textContent();
    await bob.click('#older');
    await message(bob, 'hello bob').waitFor({ timeout: 10_000 });
    expect(await bob.locator('#messages > li').count()).toBe(47);
    // The message that was at the top is still in view: the page did not jump to the oldest one.
    const stillThere = bob.locator('#messages > li', { hasText: firstShown ?? '' }).first();
    expect(await stillThere.evaluate((el) => {
      const box = (el as unknown as { closest(s: string): { getBoundingClientRect(): { top: number; bottom: number } } }).closest('.scroller').getBoundingClientRect();
      const own = (el as unknown as { getBoundingClientRect(): { top: number; bottom: number } }).getBoundingClientRect();
      return own.bottom > box.top && own.top < box.bottom;
    })).toBe(true);
  });

  it('an error goes away after the next success', async () => {
    await tp.parley.chat.channels.create(demoApp(), { channel_id: 'secret_room', name: 'secret', members: ['alice'] });
    await openChannelExpectingError(bob, 'secret_room');
    await bob.locator('#chat-error', { hasText: 'secret_room is a private channel' }).waitFor({ timeout: 10_000 });
    await bob.click('#channels li[data-channel="alice_bob"] button');
    await expect.poll(() => bob.locator('#chat-error').textContent()).toBe('');
    expect(await bob.locator('#chat-error').isVisible()).toBe(false);
  });

  it('keeps a message typed while offline, with a retry that sends it once back online', async () => {
    await alice.click('#channels li[data-channel="alice_bob"] button');
    await alice.context().setOffline(true);
    await send(alice, 'written on the train');
    await alice.locator('.send-failure', { hasText: 'Not sent' }).waitFor({ timeout: 10_000 });
    expect(await alice.inputValue('#composer-input')).toBe('written on the train');
    await alice.context().setOffline(false);
    await alice.click('.send-failure button.retry');
    await message(bob, 'written on the train').waitFor({ timeout: 10_000 });
    await expect.poll(() => alice.inputValue('#composer-input')).toBe('');
    expect(await alice.locator('.send-failure').count()).toBe(0);
    expect(await message(alice, 'written on the train').count()).toBe(1);
  });

  it('keeps a draft per channel when switching channels', async () => {
    await alice.fill('#composer-input', 'half a thought');
    await alice.click('#channels li[data-channel="room_two"] button');
    await alice.locator('#channels li.active[data-channel="room_two"]').waitFor();
    expect(await alice.inputValue('#composer-input')).toBe('');
    await alice.click('#channels li[data-channel="alice_bob"] button');
    await expect.poll(() => alice.inputValue('#composer-input')).toBe('half a thought');
    await alice.fill('#composer-input', '');
  });

  it('sends text typed beside a file with it: the image and the text reach bob', async () => {
    await alice.setInputFiles('#composer input[name=file]', { name: 'pixel.png', mimeType: 'image/png', buffer: PIXEL_PNG });
    await alice.locator('.chosen-file', { hasText: 'pixel.png' }).waitFor();
    await alice.fill('#composer-input', 'look at this pixel');
    await alice.click('#composer button[type=submit]');
    const img = bob.locator('#messages li img[alt="pixel.png"]');
    await img.waitFor({ timeout: 10_000 });
    await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: 10_000 }).toBe(1);
    await message(bob, 'look at this pixel').waitFor({ timeout: 10_000 });
    await expect.poll(() => alice.inputValue('#composer-input')).toBe('');
    expect(await alice.locator('.chosen-file').count()).toBe(0);
  });

  it('is usable from the keyboard: channels by Tab and Enter, a message deleted through its menu', async () => {
    await alice.click('#channels li[data-channel="room_two"] button');
    await alice.locator('#logout').focus();
    let inChannels = false;
    for (let i = 0; i < 6 && !inChannels; i++) {
      await alice.keyboard.press('Tab');
      inChannels = await alice.evaluate<boolean>("document.activeElement?.closest('#channels') !== null");
    }
    expect(inChannels).toBe(true);
    // The focused channel button opens its channel with Enter.
    await alice.locator('#channels li[data-channel="alice_bob"] button').focus();
    await alice.keyboard.press('Enter');
    await alice.locator('#channels li.active[data-channel="alice_bob"]').waitFor();
    await send(alice, 'oops, wrong channel');
    const mine = message(alice, 'oops, wrong channel');
    await mine.waitFor({ timeout: 10_000 });
    await mine.locator('.message-menu > button').focus();
    await alice.keyboard.press('ArrowDown');
    await alice.locator('[role=menuitem]:focus', { hasText: 'Delete' }).waitFor();
    await alice.keyboard.press('Enter');
    await alice.locator('.confirm button.danger:focus').waitFor();
    await alice.keyboard.press('Enter');
    await message(bob, 'oops, wrong channel').waitFor({ state: 'detached', timeout: 10_000 });
    await mine.waitFor({ state: 'detached' });
    // The channel list's preview no longer shows it.
    await bob.locator('#channels li[data-channel="alice_bob"] .preview', { hasText: 'look at this pixel' }).waitFor({ timeout: 10_000 });
    // Escape closes a menu and gives the focus back to its button.
    const other = message(alice, 'hi alice!');
    expect(await other.locator('.message-menu').count()).toBe(0);
    const menuButton = message(alice, 'look at this pixel').locator('.message-menu > button');
    await menuButton.focus();
    await alice.keyboard.press('Enter');
    await alice.locator('[role=menu]').waitFor();
    await alice.keyboard.press('Escape');
    await alice.locator('[role=menu]').waitFor({ state: 'detached' });
    expect(await menuButton.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement)).toBe(true);
  });

  it('labels every input, keeps text at AA contrast, and never scrolls sideways at 1280 or 390 px (screenshots)', async () => {
    const carol = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await carol.goto(`${tp.url}/`);
    await carol.locator('#dev-login').waitFor();
    const views: Array<[string, () => Promise<void>]> = [
      ['sign-in', async () => {}],
      ['channels', async () => {
        // On a narrow screen the open conversation covers the list: back to it.
        if (await alice.locator('.back').isVisible()) await alice.click('.back');
        await alice.locator('#channels-title').waitFor();
      }],
      ['conversation', async () => {
        await alice.click('#channels li[data-channel="alice_bob"] button');
        await message(alice, 'look at this pixel').waitFor();
      }],
      ['members', async () => {
        await alice.click('.tools button', { hasText: 'Members' } as never);
        await alice.locator('#members li[data-user="bob"]').waitFor();
      }],
    ];
    for (const width of [1280, 390]) {
      await alice.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      await carol.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      for (const [view, show] of views) {
        const page = view === 'sign-in' ? carol : alice;
        await show();
        await page.waitForTimeout(100);
        expect(await sidewaysOverflow(page), `${view} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
        expect(await unlabelledInputs(page), `${view} at ${width} px`).toEqual([]);
        expect(await lowContrastText(page), `${view} at ${width} px`).toEqual([]);
        await page.screenshot({ path: `${DEMO_SHOTS}/${view}-${width}.png`, fullPage: true });
      }
      await alice.click('.side-panel .panel-head button');
    }
    // The connection badge in every state it can show keeps AA contrast too.
    for (const state of ['connecting', 'reconnecting', 'disconnected', 'failed']) {
      await alice.evaluate(`document.querySelector('#state').className = 'state ${state}'`);
      expect(await lowContrastText(alice), state).toEqual([]);
    }
    await alice.evaluate(`document.querySelector('#state').className = 'state connected'`);
    await carol.context().close();
  }, 60_000);

  it('keeps each dev token to come back as the same user, and says when a name is taken', async () => {
    await alice.setViewportSize({ width: 1280, height: 800 });
    // Signing out and in again as alice reuses the token this browser got (the server creates a name once).
    await alice.click('#logout');
    await alice.locator('#login').waitFor();
    await signIn(alice, tp.url, 'alice');
    await alice.click('#channels li[data-channel="alice_bob"] button');
    await alice.locator('#channels li.active[data-channel="alice_bob"]').waitFor({ timeout: 10_000 });
    // Another browser cannot become alice.
    const mallory = await (await browser.newContext()).newPage();
    await mallory.goto(`${tp.url}/`);
    await mallory.click('#dev-login button[data-user="alice"]');
    await mallory.locator('#login-error', { hasText: 'The name "alice" is taken' }).waitFor({ timeout: 10_000 });
    expect(await mallory.locator('#state.connected').count()).toBe(0);
    await mallory.context().close();
  });
});

/** Submits the create-or-join form for a channel that will be refused. */
async function openChannelExpectingError(page: Page, channelId: string): Promise<void> {
  await page.fill('#new-channel input[name=channel_id]', channelId);
  await page.click('#new-channel button[type=submit]');
}
