/**
 * Platform API, messages, on SQLite and PostgreSQL alike: text and multipart file sends (size limit
 * 1012, served back with safe headers), lists by base/mode/limit/type/content, deletion, meta, read and
 * delivery receipts with unread counts, and the refusals (not a member, unknown ids).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
type Message = { message_id: number; content?: string; type: string; file?: { url: string; name: string; size: number; type: string }; meta: Record<string, string> };
const FILE_MAX = 4096;

describe.each(engines)('chat messages on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;

    const upload = async (channel: string, form: FormData) =>
      fetch(`${tp.url}/v1/group/channels/${channel}/messages`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, body: form });

    beforeAll(async () => {
      tp = await engine.start({ chatLimits: { fileMaxBytes: FILE_MAX } });
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      for (const id of ['ann', 'ben', 'cat', 'out']) await call('POST', '/v1/users', { user_id: id, name: id });
      await call('POST', '/v1/group/channels', { channel_id: 'talk', name: 'Talk', members: ['ann', 'ben', 'cat'] });
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('sends text messages with per-channel ids and refuses bad sends', async () => {
      const first = await call<Message>('POST', '/v1/group/channels/talk/messages', { type: 'text', user_id: 'ann', content: 'one', meta: { k: 'v' } });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ message_id: 1, channel_id: 'talk', type: 'text', content: 'one', meta: { k: 'v' }, user: { user_id: 'ann', name: 'ann' } });
      for (const content of ['two', 'three', 'four', 'Five']) await call('POST', '/v1/group/channels/talk/messages', { user_id: 'ben', content });
      const refusals: Array<[string, unknown, number, RegExp]> = [
        ['talk', { user_id: 'out', content: 'x' }, 1008, /^user out is not a member/],
        ['talk', { user_id: 'ghost', content: 'x' }, 1004, /^user ghost not found/],
        ['talk', { user_id: 'ann', content: '' }, 1001, /^content must be/],
        ['talk', { user_id: 'ann' }, 1001, /^content must be/],
        ['talk', { user_id: 'ann', content: 'x', type: 'poll' }, 1001, /^type must be "text"/],
        ['talk', { content: 'x' }, 1001, /^user_id must be/],
        ['nothing', { user_id: 'ann', content: 'x' }, 1003, /^channel nothing not found/],
      ];
      for (const [channel, body, code, message] of refusals) {
        expect((await call('POST', `/v1/group/channels/${channel}/messages`, body)).body, JSON.stringify(body)).toMatchObject({ status: 400, code, message: expect.stringMatching(message) });
      }
      // Refused sends took no id: the next one is 6.
      expect((await call<Message>('POST', '/v1/group/channels/talk/messages', { user_id: 'cat', content: 'six' })).body.message_id).toBe(6);
      expect((await call('GET', '/v1/group/channels/talk')).body).toMatchObject({ total_message_count: 6 });
    });

    it('lists by base_message_id, mode, limit, type and content', async () => {
      const list = async (q: string) => (await call<{ messages: Message[] }>('GET', `/v1/group/channels/talk/messages?${q}`)).body.messages.map((m) => m.message_id);
      expect(await list('')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await list('limit=2')).toEqual([5, 6]);
      expect(await list('mode=prev&base_message_id=4&limit=2')).toEqual([2, 3]);
      expect(await list('mode=next&base_message_id=4')).toEqual([5, 6]);
      expect(await list('mode=next&limit=3')).toEqual([1, 2, 3]);
      expect(await list('content=e')).toEqual([1, 3, 5]);
      expect(await list('content=F')).toEqual([5]);
      expect(await list('type=file')).toEqual([]);
      const bad: Array<[string, RegExp]> = [
        ['limit=0', /^limit must be between 1 and 100$/],
        ['mode=sideways', /^mode /],
        ['base_message_id=-1', /^base_message_id/],
        ['type=video', /^type /],
      ];
      for (const [q, message] of bad) expect((await call('GET', `/v1/group/channels/talk/messages?${q}`)).body).toMatchObject({ code: 1001, message: expect.stringMatching(message) });
    });

    it('keeps receipts and unread counts; sending marks the sender read', async () => {
      type Receipts = { read_receipt: Record<string, number>; delivery_receipt: Record<string, number>; unread: Record<string, number> };
      const before = (await call<Receipts>('GET', '/v1/group/channels/talk?show_unread=true&show_read_receipt=true')).body;
      expect(before.unread).toEqual({ ann: 5, ben: 1, cat: 0 });
      expect(before.read_receipt.cat).toBeGreaterThan(0);
      const read = await call<Receipts>('PUT', '/v1/group/channels/talk/messages/read', { user_id: 'ann' });
      expect(read.body.unread).toEqual({ ann: 0, ben: 1, cat: 0 });
      expect(read.body.read_receipt.ann).toBeGreaterThan(0);
      const delivered = await call<Receipts>('PUT', '/v1/group/channels/talk/messages/delivered', { user_id: 'ben' });
      expect(delivered.body.delivery_receipt).toMatchObject({ ann: 0, ben: expect.any(Number), cat: 0 });
      expect(delivered.body.delivery_receipt.ben).toBeGreaterThan(0);
      expect((await call('PUT', '/v1/group/channels/talk/messages/read', { user_id: 'out' })).body).toMatchObject({ code: 1008 });
      expect((await call('PUT', '/v1/group/channels/talk/messages/read', {})).body).toMatchObject({ code: 1001, message: 'user_id is required' });
    });

    it('updates and deletes message meta, deletes messages', async () => {
      expect((await call<Message>('PUT', '/v1/group/channels/talk/messages/2/meta', { meta: { pinned: 'yes', x: 'y' } })).body.meta).toEqual({ pinned: 'yes', x: 'y' });
      expect((await call<Message>('DELETE', '/v1/group/channels/talk/messages/2/meta', { keys: ['x'] })).body.meta).toEqual({ pinned: 'yes' });
      expect((await call<Message>('DELETE', '/v1/group/channels/talk/messages/2/meta')).body.meta).toEqual({});
      expect((await call('PUT', '/v1/group/channels/talk/messages/99/meta', { meta: {} })).body).toMatchObject({ code: 1005 });
      expect((await call('PUT', '/v1/group/channels/talk/messages/abc/meta', { meta: {} })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^message_id/) });
      expect((await call<Message>('DELETE', '/v1/group/channels/talk/messages/3')).body).toMatchObject({ message_id: 3, content: 'three' });
      expect((await call('DELETE', '/v1/group/channels/talk/messages/3')).body).toMatchObject({ code: 1005 });
      expect((await call('GET', '/v1/group/channels/talk')).body).toMatchObject({ total_message_count: 5 });
      // Ids are never reused after a deletion.
      expect((await call<Message>('POST', '/v1/group/channels/talk/messages', { user_id: 'ann', content: 'seven' })).body.message_id).toBe(7);
    });

    it('stores multipart files under generated names and serves them back safely', async () => {
      const form = new FormData();
      form.set('type', 'file');
      form.set('user_id', 'ann');
      form.set('meta', JSON.stringify({ album: 'a' }));
      form.set('file', new Blob(['<script>alert(1)</script>'], { type: 'text/html' }), '../../etc/passwd "x".html');
      const res = await upload('talk', form);
      expect(res.status).toBe(201);
      const message = (await res.json()) as Message;
      expect(message).toMatchObject({ type: 'file', meta: { album: 'a' }, file: { size: 25, type: 'text/html' } });
      // The upload's name is only data: directories are dropped and it never reaches the disk path.
      expect(message.file!.name).toMatch(/^passwd .*x.*\.html$/);
      expect(message.file!.url).toMatch(new RegExp(`^${tp.url}/v1/files/[a-f0-9]{32}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
      const served = await fetch(message.file!.url);
      expect(served.status).toBe(200);
      expect(await served.text()).toBe('<script>alert(1)</script>');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.headers.get('content-disposition')).toMatch(/^attachment; filename="passwd [^"]*\.html"; filename\*=UTF-8''passwd/);
      expect(served.headers.get('content-security-policy')).toContain('sandbox');
      expect((await call('GET', '/v1/group/channels/talk')).body).toMatchObject({ total_file_count: 1 });
      expect((await fetch(`${tp.url}/v1/files/${'0'.repeat(32)}`)).status).toBe(404);
      expect((await fetch(`${tp.url}/v1/files/..%2F..%2Fparley.sqlite`)).status).toBe(404);

      const big = new FormData();
      big.set('type', 'file');
      big.set('user_id', 'ann');
      big.set('file', new Blob([new Uint8Array(FILE_MAX + 1)]), 'big.bin');
      const tooBig = await upload('talk', big);
      expect(await tooBig.json()).toMatchObject({ status: 400, code: 1012 });
      const outsider = new FormData();
      outsider.set('user_id', 'out');
      outsider.set('file', new Blob(['x']), 'x.txt');
      expect(await (await upload('talk', outsider)).json()).toMatchObject({ code: 1008 });

      const files = await call<{ messages: Message[] }>('GET', '/v1/group/channels/talk/messages?type=file');
      expect(files.body.messages.map((m) => m.message_id)).toEqual([message.message_id]);
      await call('DELETE', `/v1/group/channels/talk/messages/${message.message_id}`);
      expect((await fetch(message.file!.url)).status).toBe(404);
      expect((await call('GET', '/v1/group/channels/talk')).body).toMatchObject({ total_file_count: 0 });
    });
  });
});
