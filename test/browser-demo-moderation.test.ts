/**
 * Moderation on the demo page in real Chromium: anyone reports a message from its menu or a person
 * from the members panel (the reports reach the server's list); a manager mutes a member from the
 * member's message, the muted member is told, keeps the refused draft, and sends it with a retry once
 * unmuted from the members panel. Members who do not manage see no mute. Anyone blocks a person from
 * the members panel: their messages leave the conversation and new ones never arrive, until unblocked.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { DEMO_SHOTS, message, send, signIn } from './support/demo-page.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe.skipIf(skipBrowserTests())('demo chat page: reports, mutes and blocks', () => {
  let tp: TestParley;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let carol: Page;
  const app = () => tp.parley.bootstrap.app!.id;

  const openTownhall = async (page: Page) => {
    await page.locator('#channels li[data-channel="townhall"]').waitFor({ timeout: 10_000 });
    await page.click('#channels li[data-channel="townhall"] button');
    await page.locator('#channels li.active[data-channel="townhall"]').waitFor();
  };

  /** Shows the members panel (the Members button toggles it). */
  const showMembers = async (page: Page) => {
    if (!(await page.locator('#members').isVisible())) await page.click('.tools button:has-text("Members")');
    await page.locator('#members li').first().waitFor();
  };

  /** Opens a message's menu and picks an item. */
  const pick = async (page: Page, text: string, item: string) => {
    await message(page, text).locator('.message-menu > button').click();
    await page.locator('[role=menuitem]', { hasText: item }).click();
  };

  beforeAll(async () => {
    tp = await startParley({ env: { APP_ID: undefined, APP_API_KEY: undefined } });
    browser = await launchChromium();
    const page = async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    alice = await page();
    bob = await page();
    carol = await page();
    await Promise.all([signIn(alice, tp.url, 'alice'), signIn(bob, tp.url, 'bob'), signIn(carol, tp.url, 'carol')]);
    await tp.parley.chat.channels.create(app(), { channel_id: 'townhall', name: 'Town hall', members: ['alice', 'bob', 'carol'] });
    await tp.parley.chat.membership.addManager(app(), 'townhall', 'alice');
    await Promise.all([alice, bob, carol].map(openTownhall));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await tp?.stop();
  });

  it('carol reports bob’s message from its menu, and bob from the members panel', async () => {
    await send(bob, 'buy cheap watches at example.com');
    await message(carol, 'buy cheap watches').waitFor({ timeout: 10_000 });
    await pick(carol, 'buy cheap watches', 'Report message');
    await carol.getByLabel("Why report bob's message?").fill('spam');
    await carol.locator('.report-form button[type=submit]').click();
    await carol.locator('#notice', { hasText: 'Reported' }).waitFor({ timeout: 10_000 });
    expect(await carol.locator('.report-form').count()).toBe(0);

    await carol.click('.tools button:has-text("Members")');
    await carol.locator('#members li[data-user="bob"] .member-menu > button').click();
    await carol.locator('[role=menuitem]', { hasText: 'Report bob' }).click();
    await carol.getByLabel('Why report bob?').fill('keeps advertising');
    await carol.keyboard.press('Enter');
    await expect.poll(async () => (await tp.parley.chat.reports.list(app(), {})).reports.length, { timeout: 10_000 }).toBe(2);
    const { reports } = await tp.parley.chat.reports.list(app(), {});
    const sent = await tp.parley.chat.messages.list(app(), 'townhall', { limit: 5 });
    const spam = sent.messages.find((m) => m.content?.startsWith('buy cheap'))!;
    expect(reports.map((r) => [r.target, r.reason])).toEqual(
      expect.arrayContaining([
        ['message', 'spam'],
        ['user', 'keeps advertising'],
      ]),
    );
    expect(reports.find((r) => r.target === 'message')).toMatchObject({ channel_id: 'townhall', message_id: spam.message_id });
    // Not a manager: no mute in carol's menus.
    await message(carol, 'buy cheap watches').locator('.message-menu > button').click();
    expect(await carol.locator('[role=menuitem]', { hasText: 'Mute' }).count()).toBe(0);
    await carol.keyboard.press('Escape');
  });

  it('alice (a manager) mutes bob from his message; bob is told and his refused draft waits for a retry', async () => {
    await pick(alice, 'buy cheap watches', 'Mute bob for 10 minutes');
    await alice.locator('#notice', { hasText: 'bob is muted until' }).waitFor({ timeout: 10_000 });
    await message(alice, 'buy cheap watches').locator('.tag', { hasText: 'muted' }).waitFor();
    await bob.locator('.muted-line', { hasText: 'A manager muted you in this channel' }).waitFor({ timeout: 10_000 });
    await send(bob, 'sorry, everyone');
    await bob.locator('.send-failure', { hasText: '1021' }).waitFor({ timeout: 10_000 });
    expect(await bob.inputValue('#composer-input')).toBe('sorry, everyone');
    await bob.screenshot({ path: `${DEMO_SHOTS}/muted-1280.png` });

    await alice.click('.tools button:has-text("Members")');
    await alice.locator('#members li[data-user="bob"] .tag', { hasText: 'muted' }).waitFor();
    await alice.locator('#members li[data-user="bob"] .member-menu > button').click();
    await alice.locator('[role=menuitem]', { hasText: 'Unmute bob' }).click();
    await alice.locator('#notice', { hasText: 'bob may send again' }).waitFor({ timeout: 10_000 });
    await bob.locator('.muted-line').waitFor({ state: 'detached', timeout: 10_000 });
    await bob.click('.send-failure button.retry');
    await message(alice, 'sorry, everyone').waitFor({ timeout: 10_000 });
    await expect.poll(() => bob.inputValue('#composer-input')).toBe('');
  });

  it('carol blocks bob from the members panel: his messages go, new ones never come, until she unblocks him', async () => {
    await showMembers(carol);
    await carol.locator('#members li[data-user="bob"] .member-menu > button').click();
    await carol.locator('[role=menuitem]', { hasText: 'Block bob' }).click();
    await carol.locator('#notice', { hasText: 'You blocked bob' }).waitFor({ timeout: 10_000 });
    await carol.locator('#members li[data-user="bob"] .tag', { hasText: 'blocked' }).waitFor();
    await message(carol, 'sorry, everyone').waitFor({ state: 'detached', timeout: 10_000 });
    await send(bob, 'can anyone hear me?');
    await send(alice, 'alice is still here');
    await message(carol, 'alice is still here').waitFor({ timeout: 10_000 });
    await message(alice, 'can anyone hear me?').waitFor({ timeout: 10_000 });
    expect(await message(carol, 'can anyone hear me?').count()).toBe(0);
    // After a reload too: the history leaves him out.
    await carol.reload();
    await openTownhall(carol);
    await message(carol, 'alice is still here').waitFor({ timeout: 10_000 });
    expect(await message(carol, 'can anyone hear me?').count()).toBe(0);

    await showMembers(carol);
    await carol.locator('#members li[data-user="bob"] .member-menu > button').click();
    await carol.locator('[role=menuitem]', { hasText: 'Unblock bob' }).click();
    await carol.locator('#notice', { hasText: 'You unblocked bob' }).waitFor({ timeout: 10_000 });
    await message(carol, 'can anyone hear me?').waitFor({ timeout: 10_000 });
    await send(bob, 'thanks carol');
    await message(carol, 'thanks carol').waitFor({ timeout: 10_000 });
  });
});
