/**
 * Cluster mode with 3 real node processes against the machine's Redis and PostgreSQL: publishes,
 * presence and counts cross nodes; a SIGKILLed node's sessions leave the counts within PRESENCE_TTL_S
 * and its clients reconnect elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect09 } from './legacy09-client.ts';
import { api, connectClient, connected, subscribe, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { metricValue } from './support/metrics-scrape.ts';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';

const APP = `clu_${randomBytes(4).toString('hex')}`;
const KEY = 'cluster-test-key';
const PRESENCE_TTL_S = 3;

const ready = (await postgresAvailable()) && (await redisAvailable());
let nodes: NodeProcess[] = [];
let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
const clients: AnyClient[] = [];

const call = (node: NodeProcess, method: string, path: string, body?: unknown) => api({ url: node.url, apiKey: KEY }, method, path, body);

async function join(node: NodeProcess, user: string, channels: string[]): Promise<{ client: AnyClient; results: ChannelResultMsg[] }> {
  const { body } = await call(node, 'POST', `/v2/auth/${APP}/access`, { user, channels });
  const client = connectClient('4.x', (body as { url: string }).url);
  clients.push(client);
  const results: ChannelResultMsg[] = [];
  client.on('rtcs:channel', (d) => results.push(d as ChannelResultMsg));
  await connected(client);
  await expect.poll(() => results.filter((r) => r.type === 'subscribe_success').length).toBe(channels.length);
  return { client, results };
}

describe.skipIf(!ready)('cluster of 3 nodes over Redis and PostgreSQL', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { APP_ID: APP, APP_API_KEY: KEY, DATABASE_URL: db.url, REDIS_URL, PRESENCE_TTL_S: String(PRESENCE_TTL_S), DATA_DIR: '/tmp/parley-cluster-unused' };
    nodes = await Promise.all([startNode(env), startNode(env), startNode(env)]);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.drop();
  });

  it('delivers what node 3 accepts to a client on node 1, once', async () => {
    const { client } = await join(nodes[0]!, 'on-node-1', []);
    expect((await subscribe(client, 'cross')).type).toBe('subscribe_success');
    const got: unknown[] = [];
    client.on('news', (d) => got.push(d));
    const res = await call(nodes[2]!, 'POST', `/v2/event/${APP}/channel`, { channels: ['cross'], event: 'news', data: { text: '안녕' } });
    expect(res.status).toBe(200);
    await expect.poll(() => got).toEqual([{ text: '안녕' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toHaveLength(1);
  });

  it('announces presence across nodes and answers sessions/count/exists alike on every node', async () => {
    const a = await join(nodes[0]!, 'alice', ['presence_room']);
    const joinSeen = waitFor<ChannelResultMsg>(a.client, 'rtcs:channel', (d) => d.type === 'member_join');
    const b = await join(nodes[1]!, 'bob', ['presence_room']);
    expect((await joinSeen).info!.user).toBe('bob');
    const bMembers = b.results.find((r) => r.type === 'subscribe_success')!.members!;
    expect(Object.values(bMembers).sort()).toEqual(['alice', 'bob']);

    for (const node of nodes) {
      expect((await call(node, 'GET', `/v2/channel/${APP}/count?channel=presence_room`)).body).toEqual({ count: 2 });
      expect(Object.values((await call(node, 'GET', `/v2/channel/${APP}/sessions?channel=presence_room`)).body as object).sort()).toEqual(['alice', 'bob']);
      expect((await call(node, 'GET', `/exists/${APP}?channel=presence_room`)).body).toEqual({ occupied: true });
    }
    const leaveSeen = waitFor<ChannelResultMsg>(a.client, 'rtcs:channel', (d) => d.type === 'member_leave');
    b.client.close();
    expect((await leaveSeen).info!.user).toBe('bob');
    expect((await call(nodes[2]!, 'GET', `/v2/channel/${APP}/count?channel=presence_room`)).body).toEqual({ count: 1 });
  });

  it('lets a socket.io 0.9 client on node 2 take part: presence with a 4.x client on node 1, publishes from node 3', async () => {
    const modern = await join(nodes[0]!, 'modern', ['presence_mixed']);
    const joinSeen = waitFor<ChannelResultMsg>(modern.client, 'rtcs:channel', (d) => d.type === 'member_join' && d.info?.user === 'old');
    const { body } = await call(nodes[1]!, 'POST', `/v2/auth/${APP}/access`, { user: 'old', channels: ['presence_mixed'] });
    const old = connect09((body as { url: string }).url, 'websocket');
    clients.push(old);
    const oldResults: ChannelResultMsg[] = [];
    old.on('rtcs:channel', (d) => oldResults.push(d as ChannelResultMsg));
    await connected(old);
    await joinSeen;
    await expect.poll(() => oldResults.find((r) => r.type === 'subscribe_success')?.members).toBeTruthy();
    expect(Object.values(oldResults.find((r) => r.type === 'subscribe_success')!.members!).sort()).toEqual(['modern', 'old']);
    const got: unknown[] = [];
    old.on('news', (d) => got.push(d));
    expect((await call(nodes[2]!, 'POST', `/v2/event/${APP}/channel`, { channels: ['presence_mixed'], event: 'news', data: { text: '한글' } })).status).toBe(200);
    await expect.poll(() => got).toEqual([{ text: '한글' }]);
    const leaveSeen = waitFor<ChannelResultMsg>(modern.client, 'rtcs:channel', (d) => d.type === 'member_leave' && d.info?.user === 'old');
    old.close();
    await leaveSeen;
  });

  it('sends a node only the traffic of channels it hosts, and a publication to several channels once per session', async () => {
    const received = () => Promise.all(nodes.map((n) => metricValue(n.url, 'parley_broker_messages_received_total')));
    const { client } = await join(nodes[0]!, 'host-1', ['only_a', 'only_b']);
    const got: unknown[] = [];
    client.on('tick', (d) => got.push(d));
    const before = await received();
    for (let n = 0; n < 50; n++) await call(nodes[1]!, 'POST', `/v2/event/${APP}/channel`, { channels: ['only_a'], event: 'tick', data: { n } });
    // Listed twice over: node 1 gets two copies from Redis, its session one delivery.
    await call(nodes[2]!, 'POST', `/v2/event/${APP}/channel`, { channels: ['only_a', 'only_b'], event: 'tick', data: { n: 'both' } });
    await expect.poll(() => got.length).toBe(51);
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toHaveLength(51);
    const after = await received();
    const delta = after.map((v, i) => v - before[i]!);
    expect(delta[0]).toBe(52);
    // The publishing nodes host neither channel: nothing of that traffic reached them.
    expect(delta.slice(1)).toEqual([0, 0]);
  });

  it('caps the sessions of one access URL across nodes (ACCESS_URL_MAX_SESSIONS, 5), and a leaver makes room on any node', async () => {
    const { body } = await call(nodes[0]!, 'POST', `/v2/auth/${APP}/access`, { user: 'replayer', channels: [] });
    const path = new URL((body as { url: string }).url);
    const on = (node: NodeProcess) => `${node.url}${path.pathname}${path.search}`;
    const open = async (node: NodeProcess): Promise<{ client: AnyClient; outcome: string }> => {
      const client = connectClient('4.x', on(node));
      clients.push(client);
      return { client, outcome: await connected(client).then(() => 'connected', (err: Error) => err.message) };
    };
    const first = [];
    // One at a time, alternating nodes, so the count is the cluster's and not a race.
    for (const node of [nodes[0]!, nodes[1]!, nodes[0]!, nodes[1]!, nodes[2]!]) first.push(await open(node));
    expect(first.map((f) => f.outcome)).toEqual(Array(5).fill('connected'));
    for (const node of nodes) expect((await open(node)).outcome).toMatch(/access URL is already used by 5 sessions/);

    first[0]!.client.close();
    await expect.poll(async () => (await open(nodes[2]!)).outcome, { timeout: 5000 }).toBe('connected');
  });

  it('drops a SIGKILLed node’s sessions from the counts within PRESENCE_TTL_S; its client reconnects to another node', async () => {
    const doomed = nodes[2]!;
    const { body } = await call(doomed, 'POST', `/v2/auth/${APP}/access`, { user: 'doomed', channels: ['presence_kill'] });
    const url = (body as { url: string }).url;
    const survivorUrl = url.replace(doomed.url, nodes[0]!.url);
    await join(nodes[1]!, 'survivor', ['presence_kill']);
    const d = await join(doomed, 'doomed', ['presence_kill']);
    expect((await call(nodes[0]!, 'GET', `/v2/channel/${APP}/count?channel=presence_kill`)).body).toEqual({ count: 2 });

    const disconnected = waitFor(d.client, 'disconnect', () => true, 5000);
    const killedAt = Date.now();
    await doomed.kill('SIGKILL');
    await disconnected;
    await expect
      .poll(async () => (await call(nodes[0]!, 'GET', `/v2/channel/${APP}/count?channel=presence_kill`)).body, { timeout: (PRESENCE_TTL_S + 3) * 1000, interval: 250 })
      .toEqual({ count: 1 });
    expect(Date.now() - killedAt).toBeLessThan((PRESENCE_TTL_S + 2) * 1000);

    // The same signed URL works on any node: an application reconnects its client elsewhere.
    const again = connectClient('4.x', survivorUrl);
    clients.push(again);
    const ok = waitFor<ChannelResultMsg>(again, 'rtcs:channel', (r) => r.type === 'subscribe_success');
    await connected(again);
    expect(Object.values((await ok).members!).sort()).toEqual(['doomed', 'survivor']);
  });

  it('leaves no presence keys in Redis once every node is gone', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const keys = () => redis.keys(`parley:app:${APP}:presence:*`);
      expect((await keys()).length).toBeGreaterThan(0);
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
      nodes = [];
      await expect.poll(keys, { timeout: (PRESENCE_TTL_S + 3) * 1000, interval: 250 }).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
