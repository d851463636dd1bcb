/**
 * Typing indicators (DESIGN.md, Typing) on SQLite and PostgreSQL, and across a two-node cluster over
 * Redis. A member starts or ends typing with `PUT /v1/sdk/group/channels/{id}/typing {typing}` or the
 * socket event `typing {channel_id, typing}`; the channel's other members (never the typer) get
 * `group:channel_typing (channel, typing_user_ids)`, at most once a second per user and channel
 * (refreshes absorbed, a stop never lost); a state ends by itself 5 s after its last refresh, when the
 * typer sends a message or leaves, and when its last connection closes. Socket typing events pass the flood gate.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOOD_REASON } from '../packages/server/src/realtime/inbound-gate.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket } from './support/chat-socket.ts';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';
import type { TestParley } from './support/start-parley.ts';

type Typing = { at: number; channel: string; ids: string[] };

/** The `group:channel_typing` events a socket received, with the time each was seen. */
function typingSeen(socket: Socket): Typing[] {
  const seen: Typing[] = [];
  socket.on('group:channel_typing', (channel: { channel_id: string }, ids: string[]) => seen.push({ at: Date.now(), channel: channel.channel_id, ids }));
  return seen;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lastIds = (seen: Typing[], channel = 'lobby') => seen.filter((t) => t.channel === channel).at(-1)?.ids;

const engines = await engineCases();

describe.each(engines)('typing on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;
    const sockets: Socket[] = [];
    const open = async (user: string) => {
      const s = await openChatSocket(tp.url, tp.appId, user, tokens[user]!);
      sockets.push(s.socket);
      return s;
    };

    beforeAll(async () => {
      // Small flood limits, so that a typing flood is cut quickly; ordinary use stays far below them.
      tp = await engine.start({ realtimeLimits: { eventsPerSecond: 20, eventsBurst: 40, floodDisconnectAfter: 40 } });
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, {
        users: ['alice', 'bob', 'carol', 'dave', 'eve'],
        channels: { lobby: ['alice', 'bob', 'carol'], side: ['alice', 'bob'], quiet: ['dave', 'bob'], flood: ['eve', 'bob'], brief: ['carol', 'bob'], order: ['alice', 'bob'] },
      }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
    }, 30_000);
    afterAll(async () => {
      for (const s of sockets) s.close();
      await tp?.stop();
    });

    it('PUT …/typing tells the other members who types, never the typer, and answers the list', async () => {
      const alice = await open('alice');
      const bob = await open('bob');
      const aliceSeen = typingSeen(alice.socket);
      const bobSeen = typingSeen(bob.socket);
      const started = await sdk('alice', 'PUT', '/group/channels/lobby/typing', { typing: true });
      expect(started).toMatchObject({ status: 200, body: { channel_id: 'lobby', typing_user_ids: ['alice'] } });
      await expect.poll(() => lastIds(bobSeen)).toEqual(['alice']);
      // carol joins in: bob sees both, alice sees carol (the second typer's event leaves carol out).
      await sdk('carol', 'PUT', '/group/channels/lobby/typing', { typing: true });
      await expect.poll(() => lastIds(bobSeen)).toEqual(['alice', 'carol']);
      await expect.poll(() => lastIds(aliceSeen)).toEqual(['alice', 'carol']);
      // Each typer hears only the other's change, never its own: alice had exactly carol's event.
      expect(aliceSeen.filter((t) => t.channel === 'lobby')).toHaveLength(1);
      const bobEvent = bob.received.find((e) => e.event === 'group:channel_typing')!;
      expect(bobEvent.args[0]).toMatchObject({ channel_id: 'lobby', type: 'group' });
      await sdk('alice', 'PUT', '/group/channels/lobby/typing', { typing: false });
      await sdk('carol', 'PUT', '/group/channels/lobby/typing', { typing: false });
      await expect.poll(() => lastIds(bobSeen), { timeout: 3_000 }).toEqual([]);
    });

    it('refuses non-members, private channels and a body without a boolean', async () => {
      expect((await sdk('dave', 'PUT', '/group/channels/lobby/typing', { typing: true })).body).toMatchObject({ status: 403, code: 3001 });
      expect((await sdk('alice', 'PUT', '/group/channels/no_such_channel/typing', { typing: true })).body).toMatchObject({ code: 1003 });
      expect((await sdk('alice', 'PUT', '/group/channels/lobby/typing', { typing: 'yes' })).body).toMatchObject({ status: 400, code: 1001 });
      expect((await sdk('alice', 'PUT', '/group/channels/lobby/typing', {})).body).toMatchObject({ status: 400, code: 1001 });
      // The server API has no typing: typing is what an end user does.
      const call = platformClient(tp.url, tp.appId, tp.apiKey);
      expect((await call('PUT', '/v1/group/channels/lobby/typing', { typing: true })).status).toBe(404);
    });

    it('the socket event `typing` does the same, acknowledged with ok or the refusal', async () => {
      const alice = await open('alice');
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      expect(await alice.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'side', typing: true })).toEqual({ ok: true });
      await expect.poll(() => lastIds(bobSeen, 'side')).toEqual(['alice']);
      expect(await alice.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'quiet', typing: true })).toEqual({ error: { code: 3001, message: expect.any(String) } });
      expect(await alice.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'side' })).toEqual({ error: { code: 1001, message: expect.stringMatching(/typing/) } });
      expect(await alice.socket.timeout(5_000).emitWithAck('typing', 'side')).toEqual({ error: { code: 1001, message: expect.any(String) } });
      // Without an acknowledgement it works all the same.
      alice.socket.emit('typing', { channel_id: 'side', typing: false });
      await expect.poll(() => lastIds(bobSeen, 'side'), { timeout: 3_000 }).toEqual([]);
    });

    it('sends at most one event a second per user and channel: refreshes are absorbed, a stop is not lost', async () => {
      const alice = await open('alice');
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      await sleep(1_100); // earlier announcements' intervals are over
      const t0 = Date.now();
      for (let i = 0; i < 10; i++) alice.socket.emit('typing', { channel_id: 'side', typing: true });
      await expect.poll(() => lastIds(bobSeen, 'side')).toEqual(['alice']);
      // Stop at once: inside the interval of the start, so it is announced at its end.
      expect(await alice.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'side', typing: false })).toEqual({ ok: true });
      await expect.poll(() => lastIds(bobSeen, 'side'), { timeout: 3_000 }).toEqual([]);
      const events = bobSeen.filter((t) => t.channel === 'side' && t.at >= t0);
      expect(events.map((t) => t.ids)).toEqual([['alice'], []]);
      expect(events[1]!.at - events[0]!.at).toBeGreaterThanOrEqual(900);
      // Nothing more comes.
      await sleep(1_200);
      expect(bobSeen.filter((t) => t.channel === 'side' && t.at >= t0)).toHaveLength(2);
    });

    it("applies one connection's events in the order sent, however long each one's membership check takes", async () => {
      const alice = await open('alice');
      // Starts and stops back to back, the last a stop: each check is a query, and on PostgreSQL the
      // pool's connections answer them in any order; a start applied after the final stop would leave
      // alice typing for 5 s.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) {
          alice.socket.emit('typing', { channel_id: 'order', typing: true });
          alice.socket.emit('typing', { channel_id: 'order', typing: false });
        }
        expect(await alice.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'order', typing: false })).toEqual({ ok: true });
        expect((await sdk('bob', 'PUT', '/group/channels/order/typing', { typing: false })).body).toMatchObject({ typing_user_ids: [] });
        await sleep(1_000); // stay under the flood limit
      }
    });

    it('ends by itself 5 s after the last refresh, and the members are told', async () => {
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      await sdk('alice', 'PUT', '/group/channels/side/typing', { typing: true });
      await expect.poll(() => lastIds(bobSeen, 'side')).toEqual(['alice']);
      await sleep(2_000);
      const refreshed = Date.now();
      // A refresh keeps it going (and is not announced: nothing changed).
      expect((await sdk('alice', 'PUT', '/group/channels/side/typing', { typing: true })).body).toMatchObject({ typing_user_ids: ['alice'] });
      await expect.poll(() => lastIds(bobSeen, 'side'), { timeout: 8_000, interval: 50 }).toEqual([]);
      const ended = bobSeen.filter((t) => t.channel === 'side').at(-1)!.at;
      expect(ended - refreshed).toBeGreaterThanOrEqual(4_900);
      expect(ended - refreshed).toBeLessThan(6_500);
      expect(bobSeen.filter((t) => t.channel === 'side')).toHaveLength(2);
      expect((await sdk('bob', 'PUT', '/group/channels/side/typing', { typing: false })).body).toMatchObject({ typing_user_ids: [] });
    }, 15_000);

    it('ends when the typer sends a message, after the message', async () => {
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      await sleep(1_100);
      await sdk('alice', 'PUT', '/group/channels/lobby/typing', { typing: true });
      await expect.poll(() => lastIds(bobSeen)).toEqual(['alice']);
      expect((await sdk('alice', 'POST', '/group/channels/lobby/messages', { type: 'text', content: 'done typing' })).status).toBe(201);
      await expect.poll(() => lastIds(bobSeen), { timeout: 3_000 }).toEqual([]);
      const names = bob.received.map((e) => e.event).filter((e) => e === 'group:message_send' || e === 'group:channel_typing');
      expect(names.slice(-2)).toEqual(['group:message_send', 'group:channel_typing']);
    });

    it('ends when the typer leaves the channel', async () => {
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      await sdk('carol', 'PUT', '/group/channels/brief/typing', { typing: true });
      await expect.poll(() => lastIds(bobSeen, 'brief')).toEqual(['carol']);
      expect((await sdk('carol', 'PUT', '/group/channels/brief/leave')).status).toBe(200);
      await expect.poll(() => lastIds(bobSeen, 'brief'), { timeout: 3_000 }).toEqual([]);
      // Well before the 5 s expiry.
      expect(bobSeen.filter((t) => t.channel === 'brief').at(-1)!.at - bobSeen.filter((t) => t.channel === 'brief')[0]!.at).toBeLessThan(2_000);
    });

    it("ends when the user's last connection closes, not before", async () => {
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      const first = await open('dave');
      const second = await open('dave');
      await sleep(1_100);
      expect(await first.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'quiet', typing: true })).toEqual({ ok: true });
      await expect.poll(() => lastIds(bobSeen, 'quiet')).toEqual(['dave']);
      first.socket.close();
      await sleep(1_500);
      expect(lastIds(bobSeen, 'quiet')).toEqual(['dave']);
      second.socket.close();
      await expect.poll(() => lastIds(bobSeen, 'quiet'), { timeout: 3_000 }).toEqual([]);
      expect(bobSeen.filter((t) => t.channel === 'quiet')).toHaveLength(2);
    });

    it('bounds a flood of typing events like any client packet: the flooder is cut, members get few events', async () => {
      const bob = await open('bob');
      const bobSeen = typingSeen(bob.socket);
      const eve = await open('eve');
      const errors: unknown[] = [];
      eve.socket.on('error', (e: unknown) => errors.push(e));
      const gone = new Promise<string>((resolve) => eve.socket.once('disconnect', (reason) => resolve(reason)));
      const t0 = Date.now();
      for (let i = 0; i < 500; i++) eve.socket.emit('typing', { channel_id: 'flood', typing: i % 2 === 0 });
      expect(await gone).toBeDefined();
      expect(errors).toContain(FLOOD_REASON);
      // Her state ends (with her connection, or by itself for a start processed after it closed).
      await expect.poll(() => lastIds(bobSeen, 'flood') ?? [], { timeout: 7_000 }).toEqual([]);
      // One event per second at most.
      const events = bobSeen.filter((t) => t.channel === 'flood');
      expect(events.length).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 1000) + 1);
    });

    it('is not stored: the channel and its messages are as before', async () => {
      const call = platformClient(tp.url, tp.appId, tp.apiKey);
      const channel = await call<{ total_message_count: number; updated_at: number }>('GET', '/v1/group/channels/side');
      await sdk('alice', 'PUT', '/group/channels/side/typing', { typing: true });
      const after = await call<{ total_message_count: number; updated_at: number }>('GET', '/v1/group/channels/side');
      expect(after.body).toEqual(channel.body);
      await sdk('alice', 'PUT', '/group/channels/side/typing', { typing: false });
    });
  });
});

const clusterReady = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!clusterReady)('typing on a two-node cluster over Redis', () => {
  const APP = { id: `typing_${randomBytes(3).toString('hex')}`, key: 'typing-cluster-key-0123' };
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let nodes: NodeProcess[] = [];
  let tokens: Record<string, string> = {};
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { APP_ID: APP.id, APP_API_KEY: APP.key, DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: `typing-${randomBytes(4).toString('hex')}`, PRESENCE_TTL_S: '3', DATA_DIR: '/tmp/parley-cluster-unused' };
    nodes = [await startNode(env)];
    nodes.push(await startNode(env));
    ({ tokens } = await seedChat(nodes[0]!.url, APP.id, APP.key, { users: ['alice', 'bob', 'carol', 'dave'], channels: { lobby: ['alice', 'bob', 'carol', 'dave'] } }));
  }, 90_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.drop();
  });

  const open = async (node: number, user: string) => {
    const s = await openChatSocket(nodes[node]!.url, APP.id, user, tokens[user]!);
    sockets.push(s.socket);
    return s;
  };

  it('lists typers of both nodes everywhere, and expires those of a node that died', async () => {
    const alice = await open(0, 'alice'); // types through node A's socket
    const carol = await open(1, 'carol'); // watches on node B
    const dave = await open(0, 'dave'); // watches on node A
    const carolSeen = typingSeen(carol.socket);
    const daveSeen = typingSeen(dave.socket);
    expect(await alice.socket.timeout(5_000).emitWithAck('typing', { channel_id: 'lobby', typing: true })).toEqual({ ok: true });
    // bob types through node B's REST API.
    const sdkB = sdkCaller(nodes[1]!.url, APP.id, tokens);
    expect((await sdkB('bob', 'PUT', '/group/channels/lobby/typing', { typing: true })).body).toMatchObject({ typing_user_ids: ['alice', 'bob'] });
    for (const seen of [carolSeen, daveSeen]) await expect.poll(() => lastIds(seen), { timeout: 5_000 }).toEqual(['alice', 'bob']);
    // bob refreshes through node A: the same state, no event.
    const before = carolSeen.length;
    expect((await sdkCaller(nodes[0]!.url, APP.id, tokens)('bob', 'PUT', '/group/channels/lobby/typing', { typing: true })).body).toMatchObject({ typing_user_ids: ['alice', 'bob'] });
    await sleep(500);
    expect(carolSeen.length).toBe(before);

    // Node A dies with alice typing: no disconnect runs there; node B expires her state in time.
    await sdkB('bob', 'PUT', '/group/channels/lobby/typing', { typing: false });
    await expect.poll(() => lastIds(carolSeen), { timeout: 3_000 }).toEqual(['alice']);
    const killed = Date.now();
    await nodes[0]!.kill('SIGKILL');
    await expect.poll(() => lastIds(carolSeen), { timeout: 10_000, interval: 50 }).toEqual([]);
    expect(Date.now() - killed).toBeLessThan(7_000);
  }, 40_000);
});
