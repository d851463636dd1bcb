/**
 * Finding 4: with both REST limits on, the per-app budget must still run (it shared @fastify/rate-limit's
 * "already ran" flag with the per-IP one and never did), and only requests that authenticated as an app
 * may spend its budget (a forged `APP_ID` without the key used to drain the victim's). In cluster mode
 * the budgets are shared through Redis under the cluster's prefix.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { api } from './support/rtcs-clients.ts';
import { REDIS_URL, redisAvailable } from './support/services.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const started: TestParley[] = [];
afterEach(async () => {
  for (const tp of started.splice(0)) await tp.stop();
});
async function start(env: Record<string, string>): Promise<TestParley> {
  const tp = await startParley({ env });
  started.push(tp);
  return tp;
}

const exists = (tp: Pick<TestParley, 'url' | 'appId' | 'apiKey'>, key = tp.apiKey) => api(tp, 'GET', `/exists/${tp.appId}?channel=x`, undefined, { 'x-nhn-apikey': key });

/** A chat Platform API call carrying the victim's APP_ID with a wrong key: the forged request. */
const forgedChat = (tp: TestParley) => fetch(`${tp.url}/v1/users`, { headers: { APP_ID: tp.appId, APP_API_KEY: 'not-the-key' } }).then((r) => r.status);

describe('one limiter, two budgets', () => {
  it('charges the app budget while the per-IP limit is on too (RTCS, chat server API and chat sdk tokens)', async () => {
    const tp = await start({ RATE_LIMIT_IP_PER_S: '1000', RATE_LIMIT_APP_PER_S: '4' });
    const { tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['ann'], channels: {} });
    // Seeding spent part of this second's budget: wait for the next window.
    await new Promise((r) => setTimeout(r, 1100));
    const chat = platformClient(tp.url, tp.appId, tp.apiKey);
    const sdk = () => fetch(`${tp.url}/v1/sdk/users/ann`, { headers: { APP_ID: tp.appId, USER_ID: 'ann', authorization: `Bearer ${tokens.ann}` } });
    expect((await exists(tp)).status).toBe(200);
    expect((await chat('GET', '/v1/users/ann')).status).toBe(200);
    expect((await sdk()).status).toBe(200);
    expect((await exists(tp)).status).toBe(200);
    // The fifth authenticated request of the second, whichever API family: 429 in that family's envelope.
    expect(await exists(tp)).toEqual({ status: 429, body: { code: 429, message: expect.stringMatching(/too many requests/) } });
    expect(await chat('GET', '/v1/users/ann')).toMatchObject({ status: 429, body: { status: 429, code: 9001 } });
    const limited = await sdk();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ status: 429, code: 9001 });
  });

  it.each([
    ['both limits on', '1000'],
    ['the per-IP limit off', '0'],
  ])('does not let requests with the victim’s APP_ID but no valid key spend its budget (%s)', async (_name, ipLimit) => {
    const tp = await start({ RATE_LIMIT_IP_PER_S: ipLimit, RATE_LIMIT_APP_PER_S: '3' });
    for (let i = 0; i < 6; i++) expect(await forgedChat(tp)).toBe(401);
    for (let i = 0; i < 4; i++) expect((await exists(tp, 'wrong-key')).status).toBe(401);
    // The victim's own three requests of this second all pass; its fourth is over its budget.
    for (let i = 0; i < 3; i++) expect((await exists(tp)).status).toBe(200);
    expect((await exists(tp)).status).toBe(429);
  });

  it('checks the IP budget before authentication, so unauthenticated floods are limited too', async () => {
    const tp = await start({ RATE_LIMIT_IP_PER_S: '3', RATE_LIMIT_APP_PER_S: '1000' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await forgedChat(tp));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('keys the IP budget on the client address TRUST_PROXY names, and ignores a forged X-Forwarded-For otherwise', async () => {
    const from = (tp: TestParley, ip: string) => api(tp, 'GET', `/exists/${tp.appId}?channel=x`, undefined, { 'x-forwarded-for': ip }).then((r) => r.status);
    const proxied = await start({ RATE_LIMIT_IP_PER_S: '2', RATE_LIMIT_APP_PER_S: '0', TRUST_PROXY: 'loopback' });
    expect([await from(proxied, '203.0.113.1'), await from(proxied, '203.0.113.1'), await from(proxied, '203.0.113.1')]).toEqual([200, 200, 429]);
    expect(await from(proxied, '203.0.113.2')).toBe(200);
    const direct = await start({ RATE_LIMIT_IP_PER_S: '2', RATE_LIMIT_APP_PER_S: '0' });
    expect([await from(direct, '203.0.113.1'), await from(direct, '203.0.113.2'), await from(direct, '203.0.113.3')]).toEqual([200, 200, 429]);
  });
});

const redisUp = await redisAvailable();

describe.skipIf(!redisUp)('cluster mode', () => {
  it('shares the app budget between nodes through Redis, under the cluster prefix', async () => {
    const prefix = `rl${Date.now().toString(36)}`;
    const env = { REDIS_URL, REDIS_PREFIX: prefix, RATE_LIMIT_IP_PER_S: '1000', RATE_LIMIT_APP_PER_S: '4' };
    const a = await start(env);
    const b = await start(env);
    expect((await exists(a)).status).toBe(200);
    expect((await exists(b)).status).toBe(200);
    expect((await exists(a)).status).toBe(200);
    expect((await exists(b)).status).toBe(200);
    expect((await exists(a)).status).toBe(429);
    expect((await exists(b)).status).toBe(429);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.some((k) => k.startsWith(`${prefix}:ratelimit:`) && k.endsWith(`app:${a.appId}`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}:ratelimit:`) && k.includes('ip:'))).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
