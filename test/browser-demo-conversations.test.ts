/**
 * The demo page's conversation features in real Chromium, with people chatting in two browsers (and a
 * third member for the mention list): "bob is typing…", editing one's own message in place (Enter
 * saves, Escape cancels, "(edited)" live), reactions (picker, chips with counts, mine pressed, a click
 * toggles), a thread panel (replies stay out of the channel's list, "1 reply" live), mentions with the
 * `@` completion (listbox, arrows, Enter, aria-activedescendant) and the channel list's mention badge
 * (live and after a reload), pins (bar and panel, live), search across channels (English and Korean;
 * a hit opens its channel at the message), and at 390 px no sideways scrolling, labelled inputs and AA
 * contrast, with screenshots in test-output/demo/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { activeOption, DEMO_SHOTS, lowContrastText, message, pickFromMenu, send, sidewaysOverflow, signIn, threadReply, unlabelledInputs } from './support/demo-page.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe.skipIf(skipBrowserTests())('demo chat page: typing, edits, reactions, threads, mentions, pins and search', () => {
  let tp: TestParley;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  let carol: Page;
  const app = () => tp.parley.bootstrap.app!.id;

  const openChannel = async (page: Page, channelId: string) => {
    await page.locator(`#channels li[data-channel="${channelId}"]`).waitFor({ timeout: 10_000 });
    await page.click(`#channels li[data-channel="${channelId}"] button`);
    await page.locator(`#channels li.active[data-channel="${channelId}"]`).waitFor();
  };

  beforeAll(async () => {
    tp = await startParley({ env: { APP_ID: undefined, APP_API_KEY: undefined } });
    browser = await launchChromium();
    const page = async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    alice = await page();
    bob = await page();
    carol = await page();
    await Promise.all([signIn(alice, tp.url, 'alice'), signIn(bob, tp.url, 'bob'), signIn(carol, tp.url, 'carol')]);
    await tp.parley.chat.channels.create(app(), { channel_id: 'team', name: 'Team', members: ['alice', 'bob', 'carol'] });
    await tp.parley.chat.channels.create(app(), { channel_id: 'lobby', name: 'Lobby', members: ['alice', 'bob'] });
    await Promise.all([openChannel(alice, 'team'), openChannel(bob, 'team')]);
    await carol.context().close();
    mkdirSync(DEMO_SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await tp?.stop();
  });

  it('alice sees "bob is typing…" (and "bob and carol are typing…") while bob writes; it goes when his draft empties or is sent', async () => {
    await bob.locator('#composer-input').pressSequentially('hel');
    await alice.locator('#typing', { hasText: 'bob is typing…' }).waitFor({ timeout: 10_000 });
    expect(await bob.locator('#typing').textContent()).toBe('');
    // carol types too (through the server, as her app would): both names.
    await tp.parley.chat.typing.set({ appId: app(), userId: 'carol' }, 'team', true);
    await alice.locator('#typing', { hasText: 'bob and carol are typing…' }).waitFor({ timeout: 10_000 });
    await tp.parley.chat.typing.set({ appId: app(), userId: 'carol' }, 'team', false);
    await alice.locator('#typing', { hasText: /^bob is typing…$/ }).waitFor({ timeout: 10_000 });
    await bob.fill('#composer-input', '');
    await expect.poll(() => alice.locator('#typing').textContent(), { timeout: 10_000 }).toBe('');
    await bob.locator('#composer-input').pressSequentially('see you at 5');
    await alice.locator('#typing', { hasText: 'bob is typing…' }).waitFor({ timeout: 10_000 });
    await bob.press('#composer-input', 'Enter');
    await message(alice, 'see you at 5').waitFor({ timeout: 10_000 });
    await expect.poll(() => alice.locator('#typing').textContent(), { timeout: 10_000 }).toBe('');
  });

  it('bob edits his message in place from its menu by keyboard: Escape cancels, Enter saves, alice sees it "(edited)"', async () => {
    const mine = message(bob, 'see you at 5');
    // Escape leaves the message as it was.
    await pickFromMenu(bob, mine, 'Edit');
    const editor = bob.getByLabel('Edit your message');
    await expect.poll(() => editor.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement)).toBe(true);
    await editor.fill('never mind');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect(await mine.locator('.text').textContent()).toBe('see you at 5');
    // By keyboard: the menu's items are Delete, then Edit.
    await mine.locator('.message-menu > button').focus();
    await bob.keyboard.press('ArrowDown');
    await bob.keyboard.press('ArrowDown');
    await bob.locator('[role=menuitem]:focus', { hasText: 'Edit' }).waitFor();
    await bob.keyboard.press('Enter');
    await editor.waitFor();
    await editor.fill('see you at 6');
    await editor.press('Enter');
    await editor.waitFor({ state: 'detached', timeout: 10_000 });
    const seen = message(alice, 'see you at 6');
    await seen.locator('.edited', { hasText: '(edited)' }).waitFor({ timeout: 10_000 });
    expect(await message(alice, 'see you at 5').count()).toBe(0);
    await message(bob, 'see you at 6').locator('.edited').waitFor();
    // alice's menu on bob's message offers no Edit.
    await message(alice, 'see you at 6').locator('.message-menu > button').click();
    await alice.locator('[role=menuitem]', { hasText: 'Reply in thread' }).waitFor();
    expect(await alice.locator('[role=menuitem]', { hasText: 'Edit' }).count()).toBe(0);
    await alice.keyboard.press('Escape');
    const stored = await tp.parley.chat.messages.list(app(), 'team', { limit: 5 });
    expect(stored.messages.find((m) => m.content === 'see you at 6')?.edited_at).toEqual(expect.any(Number));
  });

  it('reactions: alice picks 👍, bob sees the chip and adds his, alice takes hers back', async () => {
    await pickFromMenu(alice, message(alice, 'see you at 6'), '👍', '.reaction-menu');
    const aliceChip = message(alice, 'see you at 6').locator('.reaction[data-key="👍"]');
    await expect.poll(() => aliceChip.getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('true');
    const bobChip = message(bob, 'see you at 6').locator('.reaction[data-key="👍"]');
    await bobChip.locator('.count', { hasText: '1' }).waitFor({ timeout: 10_000 });
    expect(await bobChip.getAttribute('aria-pressed')).toBe('false');
    await bobChip.click();
    await aliceChip.locator('.count', { hasText: '2' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => bobChip.getAttribute('aria-pressed')).toBe('true');
    expect(await aliceChip.getAttribute('aria-label')).toMatch(/👍 2: you, bob|👍 2: bob, you/);
    await aliceChip.click();
    await bobChip.locator('.count', { hasText: '1' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => aliceChip.getAttribute('aria-pressed')).toBe('false');
    const stored = await tp.parley.chat.messages.list(app(), 'team', { limit: 5 });
    expect(stored.messages.find((m) => m.content === 'see you at 6')?.reactions).toEqual([expect.objectContaining({ key: '👍', user_ids: ['bob'] })]);
  });

  it('a thread: alice replies in the panel, bob sees "1 reply" live (not the reply in the list), opens it and answers there', async () => {
    await pickFromMenu(alice, message(alice, 'see you at 6'), 'Reply in thread');
    await alice.locator('#side-panel #thread-parent', { hasText: 'see you at 6' }).waitFor();
    await alice.locator('#thread-composer-input').fill('6 works for me');
    await alice.press('#thread-composer-input', 'Enter');
    await threadReply(alice, '6 works for me').waitFor({ timeout: 10_000 });
    await message(bob, 'see you at 6').locator('.thread-summary', { hasText: '1 reply' }).waitFor({ timeout: 10_000 });
    expect(await message(bob, '6 works for me').count()).toBe(0);
    expect(await message(alice, '6 works for me').count()).toBe(0);
    await message(bob, 'see you at 6').locator('.thread-summary').click();
    await threadReply(bob, '6 works for me').waitFor({ timeout: 10_000 });
    await bob.locator('#thread-composer-input').fill('great, booked');
    await bob.press('#thread-composer-input', 'Enter');
    // Live into alice's open panel, not her channel list.
    await threadReply(alice, 'great, booked').waitFor({ timeout: 10_000 });
    await message(alice, 'see you at 6').locator('.thread-summary', { hasText: '2 replies' }).waitFor({ timeout: 10_000 });
    expect(await message(alice, 'great, booked').count()).toBe(0);
    const replies = await tp.parley.chat.messages.list(app(), 'team', { limit: 10, include_replies: true } as never);
    const parent = replies.messages.find((m) => m.content === 'see you at 6')!;
    expect(replies.messages.filter((m) => m.parent_message_id === parent.message_id).map((m) => m.content).sort()).toEqual(['6 works for me', 'great, booked']);
    await Promise.all([alice, bob].map((p) => p.click('.side-panel .panel-head button')));
  });

  it('mentions: bob types @, picks alice with the arrows and Enter; alice gets a badge (live and after a reload), sees it highlighted, and the badge clears', async () => {
    await openChannel(alice, 'lobby');
    const input = bob.locator('#composer-input');
    await input.pressSequentially('@');
    const options = bob.locator('#composer-mentions [role=option]');
    await expect.poll(() => options.allTextContents()).toEqual(['alice', 'carol']);
    expect(await input.getAttribute('aria-controls')).toBe('composer-mentions');
    expect(await activeOption(bob, '#composer-input')).toBe('alice');
    await bob.keyboard.press('ArrowDown');
    expect(await activeOption(bob, '#composer-input')).toBe('carol');
    await bob.keyboard.press('ArrowUp');
    expect(await activeOption(bob, '#composer-input')).toBe('alice');
    await bob.keyboard.press('Enter');
    await expect.poll(() => input.inputValue()).toBe('@alice ');
    expect(await bob.locator('#composer-mentions').count()).toBe(0);
    // Typing narrows the list; Escape closes it.
    await input.pressSequentially('and @ca');
    await expect.poll(() => options.allTextContents()).toEqual(['carol']);
    await bob.keyboard.press('Escape');
    await bob.locator('#composer-mentions').waitFor({ state: 'detached' });
    await input.fill('@alice can you check the numbers?');
    await bob.press('#composer-input', 'Enter');
    const badge = alice.locator('#channels li[data-channel="team"] .badge.mention');
    await badge.waitFor({ timeout: 10_000 });
    expect(await badge.textContent()).toBe('@1');
    expect(await badge.getAttribute('aria-label')).toBe('1 mention of you');
    const stored = await tp.parley.chat.messages.list(app(), 'team', { limit: 1 });
    expect(stored.messages[0]).toMatchObject({ content: '@alice can you check the numbers?', mentioned_user_ids: ['alice'] });
    // The joined list (show_unread) brings the count after a reload.
    await alice.reload();
    await alice.locator('#channels li[data-channel="team"] .badge.mention', { hasText: '@1' }).waitFor({ timeout: 10_000 });
    await openChannel(alice, 'team');
    const mentioned = message(alice, 'can you check the numbers?');
    await mentioned.waitFor({ timeout: 10_000 });
    expect(await mentioned.getAttribute('class')).toContain('mentions-me');
    expect(await mentioned.locator('.mention.me').textContent()).toBe('@alice');
    await badge.waitFor({ state: 'detached', timeout: 10_000 });
    // bob's own view marks the mention, not as his.
    expect(await message(bob, 'can you check the numbers?').locator('.mention:not(.me)').textContent()).toBe('@alice');
  });

  it('pins: alice pins bob’s message, bob sees the pinned bar and panel live, unpins it there', async () => {
    await pickFromMenu(alice, message(alice, 'can you check the numbers?'), 'Pin');
    await bob.locator('#pinned-bar', { hasText: 'can you check the numbers?' }).waitFor({ timeout: 10_000 });
    await bob.locator('#pins-button', { hasText: 'Pinned (1)' }).waitFor();
    await message(bob, 'can you check the numbers?').locator('.tag.pinned').waitFor();
    await bob.click('#pinned-bar');
    const pinned = bob.locator('#pins li', { hasText: 'can you check the numbers?' });
    await pinned.waitFor();
    await pinned.locator('button', { hasText: 'Unpin' }).click();
    await alice.locator('#pinned-bar').waitFor({ state: 'detached', timeout: 10_000 });
    await bob.locator('#pins').waitFor({ state: 'detached', timeout: 10_000 });
    expect((await tp.parley.chat.channels.get(app(), 'team', {})).pinned_message_ids).toEqual([]);
    // Pin again for the screenshots below.
    await pickFromMenu(alice, message(alice, 'see you at 6'), 'Pin');
    await bob.locator('#pinned-bar', { hasText: 'see you at 6' }).waitFor({ timeout: 10_000 });
    await bob.click('.side-panel .panel-head button');
  });

  it('search: bob finds messages in every channel he is in (English any case, Korean), and a hit opens its channel at the message', async () => {
    await tp.parley.chat.messages.sendText(app(), 'lobby', { user_id: 'alice', content: 'The Quarterly report is out' });
    await tp.parley.chat.messages.sendText(app(), 'lobby', { user_id: 'alice', content: '안녕하세요 여러분' });
    await bob.fill('#search-input', 'quarterly');
    await bob.press('#search-input', 'Enter');
    const hit = bob.locator('#search-hits li[data-channel="lobby"]');
    await hit.waitFor({ timeout: 10_000 });
    expect(await bob.locator('#search-hits li').count()).toBe(1);
    expect(await hit.locator('.hit-channel').textContent()).toBe('Lobby');
    expect(await hit.locator('.hit-text').textContent()).toBe('alice: The Quarterly report is out');
    expect(await hit.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await hit.locator('button').click();
    await bob.locator('#channels li.active[data-channel="lobby"]').waitFor({ timeout: 10_000 });
    await message(bob, 'The Quarterly report').and(bob.locator('.found')).waitFor({ timeout: 10_000 });
    await bob.fill('#search-input', '안녕');
    await bob.press('#search-input', 'Enter');
    await bob.locator('#search-hits li', { hasText: '안녕하세요 여러분' }).waitFor({ timeout: 10_000 });
    // Across channels: "numbers" is in team.
    await bob.fill('#search-input', 'NUMBERS');
    await bob.press('#search-input', 'Enter');
    await bob.locator('#search-hits li[data-channel="team"]', { hasText: 'can you check the numbers?' }).waitFor({ timeout: 10_000 });
    await bob.locator('#search-hits li button').first().click();
    await bob.locator('#channels li.active[data-channel="team"]').waitFor({ timeout: 10_000 });
  });

  it('at 1280 and 390 px: no sideways scrolling, labelled inputs and AA contrast in every new view (screenshots)', async () => {
    // 1280 px: the conversation with its pins, reactions, mention and "2 replies", the thread beside it.
    await message(alice, 'see you at 6').locator('.thread-summary').click();
    await threadReply(alice, 'great, booked').waitFor({ timeout: 10_000 });
    expect(await sidewaysOverflow(alice)).toBeLessThanOrEqual(0);
    expect(await unlabelledInputs(alice)).toEqual([]);
    expect(await lowContrastText(alice)).toEqual([]);
    await alice.screenshot({ path: `${DEMO_SHOTS}/conversation-features-1280.png`, fullPage: true });
    await alice.click('.side-panel .panel-head button');
    await alice.setViewportSize({ width: 390, height: 844 });
    if (await alice.locator('.back').isVisible()) await alice.click('.back');
    const views: Array<[string, () => Promise<void>]> = [
      ['search', async () => {
        await alice.fill('#search-input', 'works for');
        await alice.press('#search-input', 'Enter');
        await alice.locator('#search-hits li', { hasText: '6 works for me' }).waitFor({ timeout: 10_000 });
      }],
      ['thread', async () => {
        // The hit is a reply: its channel opens with the thread beside (over it, at this width).
        await alice.click('#search-hits li button');
        await threadReply(alice, '6 works for me').waitFor({ timeout: 10_000 });
        await alice.locator('#thread-parent', { hasText: 'see you at 6' }).waitFor();
      }],
      ['conversation-features', async () => {
        await alice.click('.side-panel .panel-head button');
        await alice.locator('#pinned-bar').waitFor({ timeout: 10_000 });
        await message(alice, 'see you at 6').locator('.reaction').waitFor();
        await bob.locator('#composer-input').pressSequentially('still typing');
        await alice.locator('#typing', { hasText: 'bob is typing…' }).waitFor({ timeout: 10_000 });
      }],
      ['mention-list', async () => {
        await alice.locator('#composer-input').pressSequentially('@');
        await alice.locator('#composer-mentions').waitFor();
      }],
      ['editor', async () => {
        await alice.keyboard.press('Escape');
        await alice.fill('#composer-input', '');
        await send(alice, 'a message to edit');
        await pickFromMenu(alice, message(alice, 'a message to edit'), 'Edit');
        await alice.getByLabel('Edit your message').waitFor();
      }],
      ['reaction-picker', async () => {
        await alice.keyboard.press('Escape');
        await message(alice, 'see you at 6').locator('.reaction-menu > button').click();
        await alice.locator('.reaction-menu [role=menu]').waitFor();
      }],
      ['pins', async () => {
        await alice.keyboard.press('Escape');
        await alice.click('#pinned-bar');
        await alice.locator('#pins li').first().waitFor();
      }],
    ];
    for (const [view, show] of views) {
      await show();
      await alice.waitForTimeout(100);
      expect(await sidewaysOverflow(alice), `${view} at 390 px scrolls sideways`).toBeLessThanOrEqual(0);
      expect(await unlabelledInputs(alice), view).toEqual([]);
      expect(await lowContrastText(alice), view).toEqual([]);
      await alice.screenshot({ path: `${DEMO_SHOTS}/${view}-390.png`, fullPage: true });
    }
    await bob.fill('#composer-input', '');
  }, 60_000);
});
