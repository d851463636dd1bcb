/** REST rate limits per IP and per app: 429 with Retry-After in the API family's own envelope. */
import { afterEach, describe, expect, it } from 'vitest';
import { api } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley | undefined;
afterEach(async () => {
  await tp?.stop();
  tp = undefined;
});

const exists = (t: TestParley, appId = t.appId, key = t.apiKey) => api(t, 'GET', `/exists/${appId}?channel=x`, undefined, { 'x-nhn-apikey': key });

describe('rate limits', () => {
  it('refuses a client IP over its budget with 429, Retry-After and the RTCS envelope; probes stay open', async () => {
    tp = await startParley({ env: { RATE_LIMIT_IP_PER_S: '5', RATE_LIMIT_APP_PER_S: '0' } });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await exists(tp)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const res = await fetch(`${tp.url}/exists/${tp.appId}?channel=x`, { headers: { 'x-nhn-apikey': tp.apiKey } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toEqual({ code: 429, message: expect.stringMatching(/too many requests/) });
    for (let i = 0; i < 10; i++) expect((await fetch(`${tp.url}/health`)).status).toBe(200);
    expect((await fetch(`${tp.url}/metrics`)).status).toBe(200);
  });

  it('keeps one app’s budget from another’s', async () => {
    tp = await startParley({ env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '3' } });
    const other = await tp.parley.apps.create('second', { apiKey: 'second-key' });
    for (let i = 0; i < 3; i++) expect((await exists(tp)).status).toBe(200);
    expect((await exists(tp)).status).toBe(429);
    expect((await exists(tp, other.id, other.apiKey)).status).toBe(200);
  });
});
