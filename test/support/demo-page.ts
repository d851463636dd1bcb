/**
 * Driving the demo page (packages/web) in Chromium for test/browser-demo*.test.ts: signing in as a
 * demo user, opening channels, sending, and the page-wide checks (labels, contrast, sideways overflow).
 * The checks run inside the page as strings: the tests' TypeScript knows no DOM.
 */
import type { Locator, Page } from 'playwright-core';

export const DEMO_SHOTS = 'test-output/demo';

/** Signs in through the "Sign in (demo app)" buttons and waits for the connection. */
export async function signIn(page: Page, baseUrl: string, user: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.click(`#dev-login button[data-user="${user}"]`);
  await page.locator('#state.connected').waitFor({ timeout: 10_000 });
  await page.waitForFunction(`document.querySelector('#me')?.textContent === ${JSON.stringify(user)}`, undefined, { timeout: 10_000 });
  await page.locator('#channels-title').waitFor({ timeout: 10_000 });
}

/** Creates (or joins) a channel through the sidebar's form; it opens. */
export async function openChannel(page: Page, channelId: string, members: string[] = []): Promise<void> {
  await page.fill('#new-channel input[name=channel_id]', channelId);
  if (members.length > 0) await page.fill('#new-channel input[name=members]', members.join(', '));
  await page.click('#new-channel button[type=submit]');
  await page.locator(`#channels li.active[data-channel="${channelId}"]`).waitFor({ timeout: 10_000 });
}

/** Types into the composer and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

/** The message `li` of the open channel holding `text`. */
export const message = (page: Page, text: string) => page.locator('#messages > li', { hasText: text });

/** Inputs, selects and textareas without a label or an accessible name: their outer HTML. */
export function unlabelledInputs(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(
    "[...document.querySelectorAll('input, select, textarea')].filter((el) => !el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')).map((el) => el.outerHTML)",
  );
}

/** How far the page scrolls sideways (≤ 0: not at all). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
}

/**
 * Every visible element with text of its own whose contrast against the background behind it is below
 * WCAG AA (4.5:1, 3:1 for large text), as `tag.class "text" ratio`. The background is the first opaque
 * one up the ancestors, with translucent ones over it composited; disabled controls are exempt (WCAG).
 */
export function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const parse = (c) => {
      const m = /rgba?\\(([^)]+)\\)/.exec(c);
      if (!m) return undefined;
      const p = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const over = (top, base) => ({ r: top.r * top.a + base.r * (1 - top.a), g: top.g * top.a + base.g * (1 - top.a), b: top.b * top.a + base.b * (1 - top.a), a: 1 });
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
      }
      return layers.reverse().reduce((base, layer) => over(layer, base), { r: 255, g: 255, b: 255, a: 1 });
    };
    const bad = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join(' ').trim();
      if (!own || el.getClientRects().length === 0 || el.closest('.visually-hidden, :disabled, noscript')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName.toLowerCase() + '.' + String(el.className) + ' "' + own.slice(0, 40) + '" ' + ratio.toFixed(2));
    }
    return bad;
  })()`);
}

/** Opens a menu of a message (its `⋯` menu, or another such as `.reaction-menu`) with a click and picks an item. */
export async function pickFromMenu(page: Page, item: Locator, label: string, menu = '.message-menu'): Promise<void> {
  await item.locator(`${menu} > button`).click();
  await page.locator(`${menu} [role=menuitem]`, { hasText: label }).first().click();
}

/** A reply in the open thread panel holding `text`. */
export const threadReply = (page: Page, text: string) => page.locator('#thread-replies > li', { hasText: text });

/** The text of the option an input's aria-activedescendant points at (the highlighted one of its listbox). */
export function activeOption(page: Page, input: string): Promise<string | null> {
  return page.evaluate<string | null, string>((sel) => {
    const d = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null } | null; getElementById(id: string): { textContent: string | null; getAttribute(a: string): string | null } | null } }).document;
    const id = d.querySelector(sel)?.getAttribute('aria-activedescendant');
    const option = id ? d.getElementById(id) : null;
    return option && option.getAttribute('aria-selected') === 'true' ? (option.getAttribute('data-user') ?? option.textContent) : null;
  }, input);
}
