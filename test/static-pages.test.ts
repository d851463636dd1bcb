/**
 * The server serves the SDK bundle under both names and the demo page with its security headers; bundles
 * go out compressed as the client accepts, with an ETag per encoding. (The production build's files
 * and their `immutable` caching: test/production-start.test.ts.)
 */
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFiles } from '../packages/server/src/http/bundles.ts';
import { SDK_VERSION } from '../packages/sdk/src/version.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
beforeAll(async () => {
  tp = await startParley();
});
afterAll(async () => {
  await tp?.stop();
});

/** A GET that leaves the body as sent (fetch would decompress it and drop content-encoding). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('static pages and the SDK bundle', () => {
  it('the SDK version constant matches the package version', () => {
    expect(SDK_VERSION).toBe(browserFiles().sdkVersion);
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

  it('sends brotli or gzip as the client accepts, each with its own ETag, and identity otherwise', async () => {
    const url = `${tp.url}/sdk/parley.min.js`;
    const plain = await rawGet(url, { 'accept-encoding': 'identity' });
    const br = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br' });
    const gz = await rawGet(url, { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    for (const res of [plain, br, gz]) {
      expect(res.headers.vary).toMatch(/accept-encoding/i);
      // Sources may change while a development server runs: browsers must ask again.
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
    expect(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);
    const revalidated = await rawGet(url, { 'accept-encoding': 'br', 'if-none-match': `"other", ${String(br.headers.etag)}` });
    expect(revalidated.status).toBe(304);
    expect((await rawGet(url, { 'accept-encoding': 'br', 'if-none-match': String(gz.headers.etag) })).status).toBe(200);
    const page = await rawGet(`${tp.url}/app.js`, { 'accept-encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
  });

  it('serves the demo page with CSP, nosniff and frame-ancestors', async () => {
    const page = await fetch(`${tp.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
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
