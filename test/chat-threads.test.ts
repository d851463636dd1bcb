/**
 * Threads on SQLite and PostgreSQL (DESIGN.md, Threads): a send with `parent_message_id` (text or file,
 * both APIs) is a reply to a top-level message of the same channel; the parent carries `thread_info`
 * updated by the send's transaction; `GET …/messages/{mid}/replies` pages as the message list; the
 * channel's list leaves replies out unless `include_replies=true`; members hear `group:thread_update
 * (parent_message, channel)` besides the reply's `group:message_send`. A refused reply writes nothing,
 * also when it shares a SQLite group commit with sends that succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

interface Message {
  message_id: number;
  content?: string;
  user: { user_id: string };
  parent_message_id?: number;
  thread_info?: { reply_count: number; last_replied_at: number; reply_user_ids: string[] };
  created_at: number;
}

describe.each(engines)('threads on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let carolHears: Received;
    let close: () => void = () => undefined;
    let tokens: Record<string, string>;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      const users = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'gus', 'eve'];
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users, channels: { forum: users.filter((u) => u !== 'eve'), other: ['alice', 'eve'] } }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      const carol = await openChatSocket(tp.url, tp.appId, 'carol', tokens.carol!);
      carolHears = carol.received;
      close = () => carol.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    const post = (user: string, body: Record<string, unknown>) => sdk<Message>(user, 'POST', '/group/channels/forum/messages', body);
    const list = async (query = '') => (await sdk<{ messages: Message[] }>('carol', 'GET', `/group/channels/forum/messages?limit=100${query}`)).body.messages;

    it('a reply names its parent, the parent carries thread_info, members hear both events', async () => {
      const top = await post('alice', { content: 'topic' });
      expect(top.status).toBe(201);
      expect(top.body.thread_info).toBeUndefined();
      const reply = await post('bob', { content: 'first reply', parent_message_id: top.body.message_id });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      expect(reply.body).toMatchObject({ parent_message_id: top.body.message_id, content: 'first reply' });
      await expect
        .poll(() => carolHears.find((e) => e.event === 'group:thread_update')?.args)
        .toEqual([
          expect.objectContaining({ message_id: top.body.message_id, thread_info: { reply_count: 1, last_replied_at: reply.body.created_at, reply_user_ids: ['bob'] } }),
          expect.objectContaining({ channel_id: 'forum' }),
        ]);
      expect(carolHears.some((e) => e.event === 'group:message_send' && (e.args[0] as Message).message_id === reply.body.message_id)).toBe(true);
      // The server API replies too, and a file is a reply as well.
      const byBackend = await call<Message>('POST', '/v1/group/channels/forum/messages', { type: 'text', user_id: 'dan', content: 'backend reply', parent_message_id: top.body.message_id });
      expect(byBackend.status, JSON.stringify(byBackend.body)).toBe(201);
      const form = new FormData();
      form.set('type', 'file');
      form.set('parent_message_id', String(top.body.message_id));
      form.set('file', new Blob(['hello']), 'note.txt');
      const file = await fetch(`${tp.url}/v1/sdk/group/channels/forum/messages`, { method: 'POST', headers: { APP_ID: tp.appId, USER_ID: 'erin', authorization: `Bearer ${tokens.erin}` }, body: form });
      expect(file.status).toBe(201);
      expect(await file.json()).toMatchObject({ type: 'file', parent_message_id: top.body.message_id });
      const parent = (await list()).find((m) => m.message_id === top.body.message_id)!;
      expect(parent.thread_info).toMatchObject({ reply_count: 3, reply_user_ids: ['erin', 'dan', 'bob'] });
    });

    it('keeps the five most recent repliers, each once, newest first', async () => {
      const top = (await post('alice', { content: 'busy thread' })).body;
      for (const user of ['bob', 'carol', 'dan', 'erin', 'frank', 'gus', 'bob', 'carol']) {
        expect((await post(user, { content: `from ${user}`, parent_message_id: top.message_id })).status).toBe(201);
      }
      const parent = (await list()).find((m) => m.message_id === top.message_id)!;
      expect(parent.thread_info).toMatchObject({ reply_count: 8, reply_user_ids: ['carol', 'bob', 'gus', 'frank', 'erin'] });
    });

    it('the channel list leaves replies out unless include_replies=true; replies page as the message list', async () => {
      const top = (await post('alice', { content: 'paged thread' })).body;
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await post('bob', { content: `r${i}`, parent_message_id: top.message_id })).body.message_id);
      const plain = await list();
      expect(plain.every((m) => m.parent_message_id === undefined)).toBe(true);
      expect(plain.map((m) => m.message_id)).toContain(top.message_id);
      const all = await list('&include_replies=true');
      expect(all.map((m) => m.message_id)).toEqual(expect.arrayContaining(ids));
      const path = `/group/channels/forum/messages/${top.message_id}/replies`;
      const newest = await sdk<{ messages: Message[] }>('carol', 'GET', `${path}?limit=2`);
      expect(newest.body.messages.map((m) => m.content)).toEqual(['r3', 'r4']);
      const before = await sdk<{ messages: Message[] }>('carol', 'GET', `${path}?limit=2&base_message_id=${ids[3]}&mode=prev`);
      expect(before.body.messages.map((m) => m.content)).toEqual(['r1', 'r2']);
      const after = await call<{ messages: Message[] }>('GET', `/v1${path}?mode=next&base_message_id=${ids[1]}&limit=10`);
      expect(after.body.messages.map((m) => m.content)).toEqual(['r2', 'r3', 'r4']);
      // Members only; the parent must exist and be top-level.
      expect((await sdk('eve', 'GET', path)).status).toBe(403);
      expect((await call('GET', `/v1/group/channels/forum/messages/999999/replies`)).body).toMatchObject({ code: 1005 });
      expect((await call('GET', `/v1/group/channels/forum/messages/${ids[0]}/replies`)).body).toMatchObject({ code: 1001 });
    });

    it('refuses a reply to a reply, to a missing message or to another channel’s message, writing nothing', async () => {
      const top = (await post('alice', { content: 'strict thread' })).body;
      const reply = (await post('bob', { content: 'a reply', parent_message_id: top.message_id })).body;
      const elsewhere = (await sdk<Message>('alice', 'POST', '/group/channels/other/messages', { content: 'elsewhere' })).body;
      const before = (await call<{ total_message_count: number }>('GET', '/v1/group/channels/forum')).body.total_message_count;
      expect((await post('carol', { content: 'nested', parent_message_id: reply.message_id })).body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/parent_message_id/) });
      expect((await post('carol', { content: 'nowhere', parent_message_id: 999_999 })).body).toMatchObject({ status: 400, code: 1005, message: expect.stringMatching(/parent_message_id/) });
      // Ids are per channel: the forum's message is not one of the other channel's.
      expect(top.message_id).toBeGreaterThan(elsewhere.message_id);
      expect((await sdk('alice', 'POST', '/group/channels/other/messages', { content: 'astray', parent_message_id: top.message_id })).body).toMatchObject({ code: 1005 });
      expect((await call('POST', '/v1/group/channels/forum/messages', { type: 'text', user_id: 'carol', content: 'bad', parent_message_id: 'one' })).body).toMatchObject({ code: 1001 });
      // A non-member learns it may not send, not what else is wrong.
      expect((await sdk('eve', 'POST', '/group/channels/forum/messages', { content: 'x', parent_message_id: reply.message_id })).status).toBe(403);
      expect((await call<{ total_message_count: number }>('GET', '/v1/group/channels/forum')).body.total_message_count).toBe(before);
      const parent = (await list()).find((m) => m.message_id === top.message_id)!;
      expect(parent.thread_info?.reply_count).toBe(1);
    });

    it('deleting a reply shortens its thread, and members hear the thread update', async () => {
      const top = (await post('alice', { content: 'shrinking' })).body;
      const first = (await post('bob', { content: 'one', parent_message_id: top.message_id })).body;
      expect((await post('dan', { content: 'two', parent_message_id: top.message_id })).status).toBe(201);
      const heard = () => carolHears.filter((e) => e.event === 'group:thread_update' && (e.args[0] as Message).message_id === top.message_id).length;
      await expect.poll(heard).toBe(2);
      expect((await sdk('bob', 'DELETE', `/group/channels/forum/messages/${first.message_id}`)).status).toBe(200);
      await expect.poll(heard).toBe(3);
      const last = carolHears.filter((e) => e.event === 'group:thread_update').at(-1)!.args[0] as Message;
      expect(last.thread_info?.reply_count).toBe(1);
      const replies = await sdk<{ messages: Message[] }>('carol', 'GET', `/group/channels/forum/messages/${top.message_id}/replies`);
      expect(replies.body.messages.map((m) => m.content)).toEqual(['two']);
    });

    it('a parent deleted while replies arrive: each reply is sent or refused, never a server error', async () => {
      const top = (await post('alice', { content: 'short-lived' })).body;
      const replies = ['bob', 'carol', 'dan', 'erin', 'frank'].map((user) => post(user, { content: 'racing', parent_message_id: top.message_id }));
      const deleted = call('DELETE', `/v1/group/channels/forum/messages/${top.message_id}`);
      const answers = await Promise.all([...replies, deleted]);
      expect(answers.at(-1)!.status).toBe(200);
      for (const answer of answers.slice(0, -1)) {
        if (answer.status !== 201) expect(answer.body).toMatchObject({ status: 400, code: 1005 });
      }
    });

    it('a refused reply fails alone among sends committed together', async () => {
      const top = (await post('alice', { content: 'group commit' })).body;
      const reply = (await post('bob', { content: 'only reply', parent_message_id: top.message_id })).body;
      const sends = await Promise.all([
        post('carol', { content: 'ok 1', parent_message_id: top.message_id }),
        post('dan', { content: 'refused', parent_message_id: reply.message_id }),
        post('erin', { content: 'ok 2' }),
        post('frank', { content: 'ok 3', parent_message_id: top.message_id }),
      ]);
      expect(sends.map((s) => s.status)).toEqual([201, 400, 201, 201]);
      const ids = [sends[0]!, sends[2]!, sends[3]!].map((s) => s.body.message_id).sort((a, b) => a - b);
      // Ids stay gapless: the refused send took none.
      expect(ids[2]! - ids[0]!).toBe(2);
      const parent = (await list()).find((m) => m.message_id === top.message_id)!;
      expect(parent.thread_info).toMatchObject({ reply_count: 3 });
    });
  });
});
