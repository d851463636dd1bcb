/** The server serves the SDK bundle under both names and the demo page with its security headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkVersion } from '../packages/server/src/http/bundles.ts';
import { SDK_VERSION } from '../packages/sdk/src/version.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
beforeAll(async () => {
  tp = await startParley();
});
afterAll(async () => {
  await tp?.stop();
});

describe('static pages and the SDK bundle', () => {
  it('the SDK version constant matches the package version', () => {
    expect(SDK_VERSION).toBe(sdkVersion());
  });

  it('serves the minified bundle at the versioned and the short path, with an ETag', async () => {
    const versioned = await fetch(`${tp.url}/sdk/gitple-live-sdk-v${SDK_VERSION}.min.js`);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get('content-type')).toMatch(/^text\/javascript/);
    const code = await versioned.text();
    expect(code).toContain('GitpleLive');
    expect(code.split('\n').length).toBeLessThan(20); // minified
    const short = await fetch(`${tp.url}/sdk/parley.min.js`);
    expect(await short.text()).toBe(code);
    const etag = short.headers.get('etag')!;
    const again = await fetch(`${tp.url}/sdk/parley.min.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves the demo page with CSP, nosniff and frame-ancestors', async () => {
    const page = await fetch(`${tp.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/sdk/parley.min.js');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const app = await fetch(`${tp.url}/app.js`);
    expect(app.status).toBe(200);
    expect(await app.text()).not.toContain('socket.io'); // the page uses the SDK bundle, not its own copy
    expect((await fetch(`${tp.url}/style.css`)).status).toBe(200);
  });

  it('unknown paths keep a JSON 404 (no catch-all static route)', async () => {
    const res = await fetch(`${tp.url}/nope/nothing.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/json/);
  });
});
