/**
 * Chat in cluster mode: 3 real node processes over the machine's Redis and PostgreSQL, two apps on the
 * same cluster. A message sent through node 2 reaches members connected to every node once; SDK clients
 * behind a TCP balancer survive the SIGKILL of their node and lose no acknowledged message; the apps,
 * with the same channel and user ids, never see each other's data or events.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Message } from '../packages/sdk/src/index.ts';
import { platformClient } from './support/chat-engines.ts';
import { seedChat, sendText } from './support/chat-seed.ts';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { connectClient, connected, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';
import { TcpBalancer } from './support/tcp-balancer.ts';

const A = { id: `chat_a_${randomBytes(3).toString('hex')}`, key: 'cluster-chat-key-a' };
const B = { id: `chat_b_${randomBytes(3).toString('hex')}`, key: 'cluster-chat-key-b' };
const USERS = ['alice', 'bob', 'carol'];

const ready = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!ready)('chat on a 3-node cluster with two apps', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let nodes: NodeProcess[] = [];
  let balancer: TcpBalancer | undefined;
  const sdks: Client[] = [];
  const rtcs: AnyClient[] = [];
  const tokens: Record<string, Record<string, string>> = {};

  /** An SDK client recording the `group:message_send` ids it sees, per channel. */
  async function sdkClient(url: string, app: { id: string }, user: string) {
    const client = new Client({ app_id: app.id, url, session_token: tokens[app.id]![user]!, reconnect: { attempts: 500, minDelayMs: 50, maxDelayMs: 300 } });
    sdks.push(client);
    const seen: Message[] = [];
    client.on('group:message_send', (m) => seen.push(m));
    await client.connectUser({ user_id: user });
    return { client, seen, ids: (channel: string) => seen.filter((m) => m.channel_id === channel).map((m) => m.message_id) };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { APP_ID: A.id, APP_API_KEY: A.key, DATABASE_URL: db.url, REDIS_URL, PRESENCE_TTL_S: '3', DATA_DIR: '/tmp/parley-cluster-unused', SHUTDOWN_TIMEOUT_S: '3' };
    nodes = [await startNode(env)];
    // The second app, made by the operator's CLI against the shared database.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', 'apps', 'create', B.id, '--api-key', B.key], { env: { ...process.env, DATABASE_URL: db.url } });
    nodes.push(...(await Promise.all([startNode(env), startNode(env)])));
    for (const app of [A, B]) {
      // Same user and channel ids in both apps, on purpose.
      tokens[app.id] = (await seedChat(nodes[0]!.url, app.id, app.key, { users: USERS, channels: { lobby: USERS, side: ['alice', 'bob'] } })).tokens;
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of sdks) c.disconnectUser();
    for (const c of rtcs) c.close();
    await balancer?.close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.drop();
  });

  it('delivers a message sent through node 2 once to members on every node, and only in its app', async () => {
    const alice = await sdkClient(nodes[0]!.url, A, 'alice');
    const bob = await sdkClient(nodes[1]!.url, A, 'bob');
    const carol = await sdkClient(nodes[2]!.url, A, 'carol');
    const otherAlice = await sdkClient(nodes[0]!.url, B, 'alice');
    const sent: number[] = [];
    for (let i = 0; i < 20; i++) sent.push(await sendText(nodes[1]!.url, A.id, A.key, 'lobby', 'alice', `m${i} 안녕`));
    expect(sent).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const member of [alice, bob, carol]) await expect.poll(() => member.ids('lobby'), { timeout: 10_000 }).toEqual(sent);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would show now
    for (const member of [alice, bob, carol]) expect(member.ids('lobby')).toEqual(sent);
    expect(otherAlice.seen).toEqual([]);

    // Online members are cluster-wide, per app.
    const call = platformClient(nodes[2]!.url, A.id, A.key);
    expect((await call('GET', '/v1/group/channels/lobby/online_members')).body).toEqual(['alice', 'bob', 'carol']);
    const callB = platformClient(nodes[2]!.url, B.id, B.key);
    expect((await callB('GET', '/v1/group/channels/lobby/online_members')).body).toEqual(['alice']);
    expect((await callB('GET', '/v1/group/channels/lobby')).body).toMatchObject({ total_message_count: 0 });
    for (const c of [alice, bob, carol, otherAlice]) c.client.disconnectUser();
  });

  it('moves a member on another node in and out of a channel at once: joins, leaves and bans answered hear, and stop hearing, the next message', async () => {
    const carol = await sdkClient(nodes[2]!.url, A, 'carol');
    const joins: string[] = [];
    carol.client.on('group:channel_join', (channel) => joins.push(channel.channel_id));
    const admin = platformClient(nodes[0]!.url, A.id, A.key);
    expect((await admin('POST', '/v1/group/channels', { channel_id: 'moves', name: 'moves', members: ['alice'] })).status).toBe(201);
    const heard = () => carol.seen.filter((m) => m.channel_id === 'moves').map((m) => m.content);

    // Joined through node 1, written to through node 2 the moment the join answered: carol on node 3 hears it.
    expect((await admin('PUT', '/v1/group/channels/moves/join', { member: 'carol' })).status).toBe(200);
    await sendText(nodes[1]!.url, A.id, A.key, 'moves', 'alice', 'after join');
    await expect.poll(heard, { timeout: 5000 }).toEqual(['after join']);
    expect(joins).toContain('moves');

    expect((await admin('PUT', '/v1/group/channels/moves/leave', { member: 'carol' })).status).toBe(200);
    await sendText(nodes[1]!.url, A.id, A.key, 'moves', 'alice', 'after leave');
    expect((await admin('PUT', '/v1/group/channels/moves/join', { member: 'carol' })).status).toBe(200);
    expect((await admin('POST', '/v1/group/channels/moves/ban', { user_id: 'carol', seconds: 60 })).status).toBe(200);
    await sendText(nodes[1]!.url, A.id, A.key, 'moves', 'alice', 'after ban');
    await sendText(nodes[1]!.url, A.id, A.key, 'lobby', 'alice', 'fence');
    // Everything for carol is on her own ordered path: once the fence arrived, nothing else will.
    await expect.poll(() => carol.seen.some((m) => m.content === 'fence'), { timeout: 5000 }).toBe(true);
    expect(heard()).toEqual(['after join']);
    carol.client.disconnectUser();
  });

  it('keeps realtime publications and Redis keys per app', async () => {
    const subscriber = async (node: NodeProcess, app: { id: string; key: string }) => {
      const res = await fetch(`${node.url}/v2/auth/${app.id}/access`, { method: 'POST', headers: { 'x-nhn-apikey': app.key, 'content-type': 'application/json' }, body: JSON.stringify({ user: 'u1', channels: ['presence_same'] }) });
      const client = connectClient('4.x', ((await res.json()) as { url: string }).url);
      rtcs.push(client);
      // Presence channels are granted in the signed URL and joined at connect.
      const joined = waitFor<ChannelResultMsg>(client, 'rtcs:channel', (r) => r.type === 'subscribe_success');
      await connected(client);
      await joined;
      const got: unknown[] = [];
      client.on('news', (d) => got.push(d));
      return got;
    };
    const gotA = await subscriber(nodes[0]!, A);
    const gotB = await subscriber(nodes[1]!, B);
    const publish = await fetch(`${nodes[2]!.url}/v2/event/${A.id}/channel`, { method: 'POST', headers: { 'x-nhn-apikey': A.key, 'content-type': 'application/json' }, body: JSON.stringify({ channels: ['presence_same'], event: 'news', data: 'for A' }) });
    expect(publish.status).toBe(200);
    await expect.poll(() => gotA).toEqual(['for A']);
    await new Promise((r) => setTimeout(r, 300));
    expect(gotB).toEqual([]);

    const redis = new Redis(REDIS_URL);
    try {
      const keysA = await redis.keys(`parley:app:${A.id}:*`);
      const keysB = await redis.keys(`parley:app:${B.id}:*`);
      expect(keysA.length).toBeGreaterThan(0);
      expect(keysB.length).toBeGreaterThan(0);
      for (const key of keysA) expect(key.includes(B.id)).toBe(false);
      expect(await redis.hvals(`parley:app:${B.id}:presence:presence_same:info`)).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });

  it('SDK clients behind a balancer survive the SIGKILL of their node; no acknowledged message is lost', async () => {
    // Everyone first lands on node 3 (the doomed one), then on node 1.
    balancer = new TcpBalancer([nodes[2]!.port, nodes[0]!.port]);
    const lb = await balancer.listen();
    const bob = await sdkClient(lb, A, 'bob');
    const events: string[] = [];
    bob.client.on('reconnectSucceed', () => events.push('succeed'));
    bob.client.on('disconnected', () => events.push('disconnected'));

    const acknowledged: number[] = [];
    let sending = true;
    // Alice keeps sending through the doomed node while it lives, then through the balancer.
    const sender = (async () => {
      for (let i = 0; sending && i < 400; i++) {
        const via = nodes[2]!.child.exitCode === null && nodes[2]!.child.signalCode === null ? nodes[2]!.url : lb;
        try {
          const res = await fetch(`${via}/v1/group/channels/side/messages`, {
            method: 'POST',
            headers: { APP_ID: A.id, APP_API_KEY: A.key, 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'text', user_id: 'alice', content: `s${i}` }),
          });
          if (res.status === 201) acknowledged.push(((await res.json()) as { message_id: number }).message_id);
        } catch {
          // The node died under this request: not acknowledged.
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await expect.poll(() => acknowledged.length, { timeout: 10_000 }).toBeGreaterThan(20);
    await nodes[2]!.kill('SIGKILL');
    await expect.poll(() => events.includes('succeed'), { timeout: 15_000 }).toBe(true);
    const afterKill = acknowledged.length;
    await expect.poll(() => acknowledged.length, { timeout: 10_000 }).toBeGreaterThan(afterKill + 20);
    sending = false;
    await sender;

    const stored = await platformClient(nodes[0]!.url, A.id, A.key)<{ messages: Array<{ message_id: number }> }>('GET', '/v1/group/channels/side/messages?mode=next&limit=100');
    const all: number[] = [];
    for (let base = 0; ; ) {
      const page = await platformClient(nodes[1]!.url, A.id, A.key)<{ messages: Array<{ message_id: number }> }>('GET', `/v1/group/channels/side/messages?mode=next&limit=100&base_message_id=${base}`);
      if (page.body.messages.length === 0) break;
      all.push(...page.body.messages.map((m) => m.message_id));
      base = all.at(-1)!;
    }
    expect(stored.status).toBe(200);
    // Gap-free, and every acknowledged id is stored.
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    for (const id of acknowledged) expect(all).toContain(id);
    // Bob saw every stored message once, in order (sends cut by the kill may be stored without an ack).
    await expect.poll(() => bob.ids('side'), { timeout: 15_000 }).toEqual(all);
    expect(events).not.toContain('disconnected');
  }, 90_000);
});
