/**
 * Threads, mentions, read-all, edits, reactions and pins across a 2-node cluster (Redis + PostgreSQL): a
 * reply with a mention sent through node 2 reaches a member connected to node 1 as `group:message_send`,
 * `group:thread_update` and (the mentioned one only) `group:message_mention`; a read-all through node 2
 * sends each channel's read receipt to members on node 1; an edit, a reaction and a pin through node 2
 * reach node 1's members of the channel as `group:message_update`, `group:message_reaction` and
 * `group:channel_update`, and nobody else.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import { startNode, type NodeProcess } from './support/node-process.ts';
import { createTestDatabase, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.ts';

const APP = { id: `threads_${randomBytes(3).toString('hex')}`, key: 'cluster-threads-key' };
const ready = (await postgresAvailable()) && (await redisAvailable());

describe.skipIf(!ready)('threads and mentions on a 2-node cluster', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let nodes: NodeProcess[] = [];
  let tokens: Record<string, string> = {};
  const hears: Record<string, Received> = {};
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { APP_ID: APP.id, APP_API_KEY: APP.key, DATABASE_URL: db.url, REDIS_URL, DATA_DIR: '/tmp/parley-cluster-unused', SHUTDOWN_TIMEOUT_S: '3' };
    nodes = [await startNode(env)];
    nodes.push(await startNode(env));
    ({ tokens } = await seedChat(nodes[0]!.url, APP.id, APP.key, { users: ['alice', 'bob', 'carol'], channels: { hall: ['alice', 'bob', 'carol'], nook: ['alice', 'bob'] } }));
    for (const user of ['bob', 'carol']) {
      const s = await openChatSocket(nodes[0]!.url, APP.id, user, tokens[user]!);
      hears[user] = s.received;
      closers.push(() => s.socket.close());
    }
  }, 90_000);
  afterAll(async () => {
    for (const close of closers) close();
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await db?.drop();
  });

  it('delivers a reply, its thread update and its mention to members on the other node', async () => {
    const call = platformClient(nodes[1]!.url, APP.id, APP.key);
    const top = await call<{ message_id: number }>('POST', '/v1/group/channels/hall/messages', { type: 'text', user_id: 'alice', content: 'topic' });
    const reply = await call<{ message_id: number }>('POST', '/v1/group/channels/hall/messages', { type: 'text', user_id: 'alice', content: '@bob?', parent_message_id: top.body.message_id, mentioned_user_ids: ['bob'] });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const names = (user: string) => hears[user]!.map((e) => e.event).filter((e) => e.startsWith('group:message') || e === 'group:thread_update');
    // The mention travels on bob's own channel, the rest on the channel's: no order between the two.
    await expect.poll(() => names('bob').sort()).toEqual(['group:message_mention', 'group:message_send', 'group:message_send', 'group:thread_update']);
    await expect.poll(() => names('carol')).toEqual(['group:message_send', 'group:message_send', 'group:thread_update']);
    const update = hears.carol!.find((e) => e.event === 'group:thread_update')!.args[0] as { message_id: number; thread_info: { reply_count: number } };
    expect(update).toMatchObject({ message_id: top.body.message_id, thread_info: { reply_count: 1 } });
  });

  it('a read-all through one node reaches members on the other', async () => {
    const sdk = sdkCaller(nodes[1]!.url, APP.id, tokens);
    expect((await sdk('alice', 'PUT', '/users/me/read_all')).body).toEqual({ channel_ids: ['hall', 'nook'] });
    const reads = (user: string) => hears[user]!.filter((e) => e.event === 'group:channel_message_read_event').map((e) => (e.args[0] as { channel_id: string }).channel_id);
    await expect.poll(() => reads('bob').sort()).toEqual(['hall', 'nook']);
    await expect.poll(() => reads('carol')).toEqual(['hall']);
  });

  it('delivers an edit, a reaction and a pin to members on the other node, and to nobody else', async () => {
    const call = platformClient(nodes[1]!.url, APP.id, APP.key);
    const from = { bob: hears.bob!.length, carol: hears.carol!.length };
    const id = (await call<{ message_id: number }>('POST', '/v1/group/channels/nook/messages', { type: 'text', user_id: 'alice', content: 'draft' })).body.message_id;
    expect((await call('PUT', `/v1/group/channels/nook/messages/${id}`, { content: 'final' })).status).toBe(200);
    expect((await call('PUT', `/v1/group/channels/nook/messages/${id}/reactions`, { key: 'ok', user_id: 'alice' })).status).toBe(200);
    expect((await call('PUT', `/v1/group/channels/nook/messages/${id}/pin`)).status).toBe(200);
    const since = (user: 'bob' | 'carol') => hears[user]!.slice(from[user]);
    await expect.poll(() => since('bob').map((e) => e.event)).toEqual(['group:message_send', 'group:message_update', 'group:message_reaction', 'group:channel_update']);
    const [, update, reaction, pinned] = since('bob');
    expect(update!.args[0]).toMatchObject({ message_id: id, content: 'final', edited_at: expect.any(Number) });
    expect(reaction!.args[2]).toEqual({ key: 'ok', user_id: 'alice', operation: 'add' });
    expect(reaction!.args[0]).toMatchObject({ reactions: [{ key: 'ok', user_ids: ['alice'] }] });
    expect(pinned!.args[0]).toMatchObject({ channel_id: 'nook', pinned_message_ids: [id] });
    // carol is not in nook.
    expect(since('carol')).toEqual([]);
  });
});
