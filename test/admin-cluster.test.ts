/**
 * The console in cluster mode: 2 node processes over the machine's Redis and PostgreSQL. With no
 * console open the console's bus is silent, however busy the nodes are; a console watching node 1 sees
 * what happens on node 2 (connects, subscribes, publishes, marked with node 2's id); the overview on
 * node 1 counts node 2's connections; a session held by node 2 is disconnected through node 1; and once
 * the console closes, node 2 stops sending.
 */
import { randomBytes } from 'node:crypto';
import type { AdminOverview, AdminPresence } from '@parley/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, adminClient, openActivity } from './support/admin-client.ts';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { api, collect, connectClient, connected, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';

const APP = 'console_app';
const KEY = 'console-cluster-key-0123';
const PREFIX = `pconsole_${randomBytes(3).toString('hex')}`;
const ready = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!ready)('operator console on a 2-node cluster', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let nodes: NodeProcess[] = [];
  let bus: Redis | undefined;
  /** Every message on the console's Redis channels (`{prefix}:app:#admin:ch:*`). */
  const consoleTraffic: string[] = [];
  const clients: AnyClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { APP_ID: APP, APP_API_KEY: KEY, ADMIN_TOKEN, DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: PREFIX, PRESENCE_TTL_S: '3', DATA_DIR: '/tmp/parley-console-cluster-unused' };
    nodes = [await startNode(env)];
    nodes.push(await startNode(env));
    bus = new Redis(REDIS_URL);
    bus.on('pmessage', (_pattern: string, channel: string) => consoleTraffic.push(channel.slice(`${PREFIX}:app:#admin:ch:`.length)));
    await bus.psubscribe(`${PREFIX}:app:#admin:ch:*`);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    bus?.disconnect();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.drop();
  });

  async function client(node: NodeProcess, user: string, channels: string[]): Promise<AnyClient> {
    const { body } = await api({ url: node.url, apiKey: KEY }, 'POST', `/v2/auth/${APP}/access`, { user, channels });
    const c = connectClient('4.x', (body as { url: string }).url, ['websocket']);
    clients.push(c);
    const subscribed = channels.length ? waitFor<ChannelResultMsg>(c, 'rtcs:channel', (r) => r.type === 'subscribe_success') : Promise.resolve();
    await connected(c);
    await subscribed;
    return c;
  }
  const publishOn = (node: NodeProcess, channels: string[], event: string, data: unknown) => api({ url: node.url, apiKey: KEY }, 'POST', `/v2/event/${APP}/channel`, { channels, event, data });

  it('sends nothing on the console bus while no console is open', async () => {
    const [n1, n2] = nodes as [NodeProcess, NodeProcess];
    consoleTraffic.length = 0;
    const c = await client(n2, 'busy', ['busy_room']);
    for (let i = 0; i < 50; i++) expect((await publishOn(i % 2 ? n1 : n2, ['busy_room'], 'tick', { i })).status).toBe(200);
    c.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(consoleTraffic).toEqual([]);
  });

  it('shows on a console watching node 1 what happens on node 2', async () => {
    const [n1, n2] = nodes as [NodeProcess, NodeProcess];
    const console = await openActivity(n1.url, APP);
    try {
      const node2 = (await adminClient(n2.url)<{ node: string }>('GET', '/session')).body.node;
      const node1 = (await adminClient(n1.url)<{ node: string }>('GET', '/session')).body.node;
      expect(node2).not.toBe(node1);
      // Node 2 learns of the console from node 1's announcement, then reports.
      await expect
        .poll(async () => {
          expect((await publishOn(n2, ['probe'], 'probe', 'p')).status).toBe(200);
          return console.events().some((e) => e.type === 'publish' && e.event === 'probe' && e.node === node2);
        }, { timeout: 8000, interval: 300 })
        .toBe(true);
      const c = await client(n2, 'remote-user', ['remote_room']);
      const connect = await console.waitFor((e) => e.type === 'connect' && e.user === 'remote-user');
      expect(connect.node).toBe(node2);
      expect(await console.waitFor((e) => e.type === 'subscribe' && e.channel === 'remote_room')).toMatchObject({ node: node2, session: connect.session });
      const got = waitFor(c, 'remote_event');
      await publishOn(n2, ['remote_room'], 'remote_event', { from: 'node 2' });
      expect(await got).toEqual({ from: 'node 2' });
      expect(await console.waitFor((e) => e.type === 'publish' && e.event === 'remote_event')).toMatchObject({ node: node2, data: '{"from":"node 2"}' });
      c.close();
      await console.waitFor((e) => e.type === 'disconnect' && e.session === connect.session);
      // Node 1's own activity comes too.
      await publishOn(n1, ['remote_room'], 'local_event', 'x');
      expect(await console.waitFor((e) => e.event === 'local_event')).toMatchObject({ node: node1 });
    } finally {
      console.close();
    }
    // Once nobody watches, node 2 stops within an announcement.
    await new Promise((r) => setTimeout(r, 500));
    consoleTraffic.length = 0;
    for (let i = 0; i < 20; i++) expect((await publishOn(n2, ['probe'], 'after', { i })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(consoleTraffic.filter((c) => c.startsWith('#debug:'))).toEqual([]);
  });

  it("counts node 2's connections in node 1's overview", async () => {
    const [n1, n2] = nodes as [NodeProcess, NodeProcess];
    const call = adminClient(n1.url);
    const connections = async () => {
      const o = (await call<AdminOverview>('GET', '/overview')).body;
      return { nodes: o.nodes.length, rtcs: Object.values(o.sum.connections.rtcs).reduce((a, b) => a + b, 0) };
    };
    await expect.poll(connections, { timeout: 8000, interval: 300 }).toEqual({ nodes: 2, rtcs: 0 });
    await client(n2, 'counted', []);
    await expect.poll(connections, { timeout: 8000, interval: 300 }).toEqual({ nodes: 2, rtcs: 1 });
  });

  it('disconnects through node 1 a session that node 2 holds', async () => {
    const [n1, n2] = nodes as [NodeProcess, NodeProcess];
    const c = await client(n2, 'far-away', ['presence_far']);
    const errors = collect<string>(c, 'error');
    const gone = new Promise((resolve) => c.on('disconnect', resolve));
    const call = adminClient(n1.url);
    const presence = (await call<AdminPresence>('GET', `/apps/${APP}/presence?channel=presence_far`)).body;
    const [session] = Object.keys(presence.members);
    expect(presence.members).toEqual({ [session!]: 'far-away' });
    expect((await call('POST', `/apps/${APP}/presence/disconnect`, { channel: 'presence_far', session, reason: 'moved by an operator' })).status).toBe(200);
    await gone;
    expect(errors).toContain('moved by an operator');
  });
});
