/**
 * "Try it out" in /docs works: a browser authorises with the app's credentials in the documentation
 * page's Authorize dialog (the OpenAPI security schemes), runs a documented example of the RTCS
 * Service API and of the chat server API, and gets the documented success status.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipBrowserTests } from './support/browser.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

describe.skipIf(skipBrowserTests())('/docs, Try it out', () => {
  let tp: TestParley;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [tp, browser] = await Promise.all([startParley(), launchChromium()]);
    page = await browser.newPage();
    await page.goto(`${tp.url}/docs/`);
    expect(await page.title()).toBe('Parley API');
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    const dialog = page.locator('.modal-ux');
    for (const [scheme, value] of [['rtcsApiKey', tp.apiKey], ['appId', tp.appId], ['appApiKey', tp.apiKey]] as const) {
      const block = dialog.locator('.auth-container').filter({ hasText: `${scheme} (apiKey)` });
      await block.locator('input').fill(value);
      await block.locator('button.modal-btn.auth.authorize').click();
    }
    await dialog.locator('button.close-modal').first().click();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await tp?.stop();
  });

  /** Opens an operation, fills its path parameters, runs its example and answers the live status. */
  async function tryOut(id: string, params: Record<string, string>): Promise<{ status: string; body: string }> {
    const op: Locator = page.locator(`#operations-${id}`);
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    for (const [name, value] of Object.entries(params)) await op.locator(`input[placeholder="${name}"]`).fill(value);
    await op.getByRole('button', { name: 'Execute' }).click();
    const row = op.locator('.live-responses-table tbody tr').first();
    await row.waitFor();
    return { status: (await row.locator('.response-col_status').innerText()).trim(), body: await row.locator('.response-col_description pre').first().innerText() };
  }

  it('signs an access URL with x-nhn-apikey', async () => {
    const { status, body } = await tryOut('rtcs-post_v2_auth__appkey__access', { appkey: tp.appId });
    expect(status).toBe('200');
    expect(JSON.parse(body)).toMatchObject({ app: tp.appId, url: expect.stringContaining('/socket.io/1/?app=') });
  });

  it('creates a user with APP_ID and APP_API_KEY, answering 201', async () => {
    const { status, body } = await tryOut('chat_users-post_v1_users', {});
    expect(status).toBe('201');
    expect(JSON.parse(body)).toMatchObject({ user_id: 'alice', name: 'Alice' });
  });
});
