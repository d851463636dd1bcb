/**
 * REDIS_PREFIX: two clusters (one node each here) on the same Redis, serving an app with the same id,
 * stay apart — publications, presence and counts of one never reach the other — because every key and
 * channel, the socket.io adapter's included, starts with the cluster's prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { api, connectClient, connected, expectSilence, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';

const APP = 'same_app';
const KEY = 'prefix-test-key';
const PREFIXES = [`pa_${randomBytes(3).toString('hex')}`, `pb_${randomBytes(3).toString('hex')}`] as const;
const ready = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!ready)('two clusters on one Redis with different REDIS_PREFIX', () => {
  const nodes: NodeProcess[] = [];
  const dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
  const clients: AnyClient[] = [];

  beforeAll(async () => {
    for (const prefix of PREFIXES) {
      const db = await createTestDatabase();
      dbs.push(db);
      nodes.push(await startNode({ APP_ID: APP, APP_API_KEY: KEY, DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, PRESENCE_TTL_S: '3', DATA_DIR: '/tmp/parley-prefix-unused' }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    for (const db of dbs) await db.drop();
  });

  const call = (node: NodeProcess, method: string, path: string, body?: unknown) => api({ url: node.url, apiKey: KEY }, method, path, body);

  async function join(node: NodeProcess, user: string): Promise<AnyClient> {
    const { body } = await call(node, 'POST', `/v2/auth/${APP}/access`, { user, channels: ['presence_shared'] });
    const client = connectClient('4.x', (body as { url: string }).url);
    clients.push(client);
    const subscribed = waitFor<ChannelResultMsg>(client, 'rtcs:channel', (r) => r.type === 'subscribe_success');
    await connected(client);
    await subscribed;
    return client;
  }

  it('keeps publications, presence and counts within each cluster', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const onA = await join(a, 'alice');
    const joinSeenOnA = expectSilence(onA, 'rtcs:channel', 500, (d) => (d as ChannelResultMsg).type === 'member_join');
    const onB = await join(b, 'bob');
    await joinSeenOnA;

    const got = waitFor(onB, 'news');
    const silent = expectSilence(onA, 'news', 500);
    expect((await call(b, 'POST', `/v2/event/${APP}/channel`, { channels: ['presence_shared'], event: 'news', data: { n: 1 } })).status).toBe(200);
    expect(await got).toEqual({ n: 1 });
    await silent;

    for (const [node, user] of [[a, 'alice'], [b, 'bob']] as const) {
      expect((await call(node, 'GET', `/v2/channel/${APP}/count?channel=presence_shared`)).body).toEqual({ count: 1 });
      expect(Object.values((await call(node, 'GET', `/v2/channel/${APP}/sessions?channel=presence_shared`)).body as Record<string, string>)).toEqual([user]);
    }

    const redis = new Redis(REDIS_URL);
    try {
      for (const prefix of PREFIXES) expect(await redis.exists(`${prefix}:app:${APP}:presence:presence_shared:exp`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});
