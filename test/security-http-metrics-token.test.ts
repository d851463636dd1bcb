/**
 * Finding 13 (part): `/metrics`, `/docs` and `/openapi.json` told anyone the server's internals. With
 * METRICS_TOKEN set they need `Authorization: Bearer <token>` (401 otherwise); `/health` and `/ready`
 * stay open for probes. Unset, everything stays open as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParley, type TestParley } from './support/start-parley.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const GUARDED = ['/metrics', '/openapi.json', '/docs', '/docs/json', '/docs/static/index.html'];

let guarded: TestParley;
let open: TestParley;
beforeAll(async () => {
  guarded = await startParley({ env: { METRICS_TOKEN: TOKEN } });
  open = await startParley();
});
afterAll(async () => {
  await guarded.stop();
  await open.stop();
});

const get = (tp: TestParley, path: string, authorization?: string) =>
  fetch(`${tp.url}${path}`, { headers: authorization === undefined ? {} : { authorization }, redirect: 'manual' });

describe('METRICS_TOKEN', () => {
  it.each(GUARDED)('refuses %s without the token, with a wrong one, or another scheme (401)', async (path) => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
      const res = await get(guarded, path, authorization);
      expect(res.status, `${path} with ${authorization}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ code: 401, message: expect.stringMatching(/METRICS_TOKEN|token/) });
    }
  });

  it.each(GUARDED)('serves %s with the token', async (path) => {
    const res = await get(guarded, path, `Bearer ${TOKEN}`);
    expect(res.status).toBeLessThan(400);
  });

  it('keeps /health and /ready open, and everything open when the token is unset', async () => {
    expect((await get(guarded, '/health')).status).toBe(200);
    expect((await get(guarded, '/ready')).status).toBe(200);
    for (const path of GUARDED) expect((await get(open, path)).status, path).toBeLessThan(400);
  });
});
