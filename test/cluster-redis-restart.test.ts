/**
 * A Redis restart during traffic: while Redis is down, publishes answer 503 and /ready reports redis;
 * afterwards the nodes reconnect by themselves, delivery resumes and counts heal within a heartbeat.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { startRedis, type RedisProcess } from './support/redis-process.ts';
import { api, connectClient, connected, subscribe, type AnyClient } from './support/rtcs-clients.ts';
import { createTestDatabase, postgresAvailable, redisAvailable } from './support/services.ts';

const APP = `rr_${randomBytes(4).toString('hex')}`;
const KEY = 'restart-key';
const ready = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!ready)('Redis restart during traffic', () => {
  let redis: RedisProcess;
  let nodes: NodeProcess[] = [];
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: AnyClient | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    db = await createTestDatabase();
    const env = { APP_ID: APP, APP_API_KEY: KEY, DATABASE_URL: db.url, REDIS_URL: redis.url, PRESENCE_TTL_S: '3' };
    nodes = await Promise.all([startNode(env), startNode(env)]);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await redis.stop();
    await db.drop();
  });

  const call = (node: NodeProcess, method: string, path: string, body?: unknown) => api({ url: node.url, apiKey: KEY }, method, path, body);
  const publish = (i: number) => call(nodes[1]!, 'POST', `/v2/event/${APP}/channel`, { channels: ['presence_r'], event: 'tick', data: { i } });

  it('reports the outage, then resumes delivery and heals counts by itself', async () => {
    const { body } = await call(nodes[0]!, 'POST', `/v2/auth/${APP}/access`, { user: 'steady', channels: ['presence_r'] });
    client = connectClient('4.x', (body as { url: string }).url);
    await connected(client);
    expect((await subscribe(client, 'presence_r')).type).toBe('subscribe_success');
    const got: number[] = [];
    client.on('tick', (d) => got.push((d as { i: number }).i));
    expect((await publish(1)).status).toBe(200);
    await expect.poll(() => got).toEqual([1]);

    await redis.stop();
    // While Redis is down: publishes fail fast with 503, readiness names redis, liveness stays up.
    await expect.poll(async () => (await publish(2)).status, { timeout: 5000 }).toBe(503);
    const readyRes = await fetch(`${nodes[0]!.url}/ready`);
    expect(readyRes.status).toBe(503);
    expect(((await readyRes.json()) as { checks: Record<string, string> }).checks.redis).not.toBe('ok');
    expect((await fetch(`${nodes[0]!.url}/health`)).status).toBe(200);

    await redis.start();
    await expect.poll(async () => (await fetch(`${nodes[0]!.url}/ready`)).status, { timeout: 10_000, interval: 200 }).toBe(200);
    await expect.poll(async () => (await publish(3)).status, { timeout: 10_000, interval: 200 }).toBe(200);
    await expect.poll(() => got.includes(3), { timeout: 5000 }).toBe(true);
    // Presence entries were lost with Redis' memory; the next heartbeat (≤ 1 s here) restores them.
    await expect.poll(async () => (await call(nodes[1]!, 'GET', `/v2/channel/${APP}/count?channel=presence_r`)).body, { timeout: 5000 }).toEqual({ count: 1 });
  });
});
