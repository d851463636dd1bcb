/**
 * The client API (`/v1/sdk`) on SQLite and PostgreSQL: bearer-token authentication, the role checks
 * (member, manager, banned, frozen, sender-or-manager), the creator joining its channel, token exchange,
 * file messages, and that nothing crosses apps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
const FILE_MAX = 1024;

describe.each(engines)('client API /v1/sdk on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let tokens: Record<string, string> = {};

    const sdk = async (user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${tp.url}/v1/sdk${path}`, {
        method,
        headers: { APP_ID: tp.appId, USER_ID: user, authorization: `Bearer ${tokens[user] ?? 'none'}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      tp = await engine.start({ chatLimits: { fileMaxBytes: FILE_MAX } });
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, {
        users: ['alice', 'bob', 'carol', 'mallory', 'dave'],
        channels: { room: ['alice', 'bob', 'carol', 'mallory', 'dave'], quiet: ['alice', 'bob'] },
      }));
      const call = platformClient(tp.url, tp.appId, tp.apiKey);
      await call('POST', '/v1/group/channels/room/managers', { manager: 'alice' });
      await call('POST', '/v1/group/channels/room/managers', { manager: 'dave' });
      await call('POST', '/v1/group/channels/room/ban', { user_id: 'mallory', seconds: 600 });
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('authenticates APP_ID, USER_ID and the bearer token with the chat error envelope', async () => {
      expect(await sdk('bob', 'GET', '/users/me', undefined, { APP_ID: 'nope' })).toMatchObject({ status: 401, body: { status: 401, code: 4001, path: '/v1/sdk/users/me' } });
      expect(await sdk('bob', 'GET', '/users/me', undefined, { authorization: `Bearer ${tokens.alice}` })).toMatchObject({ status: 401, body: { code: 4001, message: 'token was issued to another user' } });
      expect(await sdk('bob', 'GET', '/users/me', undefined, { authorization: '' })).toMatchObject({ status: 401, body: { code: 4001 } });
      expect(await sdk('bob', 'GET', '/users/me', undefined, { authorization: 'Bearer x.y.z' })).toMatchObject({ status: 401, body: { code: 4001 } });
      expect(await sdk('bob', 'GET', '/users/me')).toMatchObject({ status: 200, body: { user_id: 'bob' } });
      // An sdk token works like the session token it was exchanged for.
      const exchanged = await sdk('bob', 'POST', '/users/token');
      expect(exchanged.status).toBe(200);
      expect(await sdk('bob', 'GET', '/users/me', undefined, { authorization: `Bearer ${String(exchanged.body.token)}` })).toMatchObject({ status: 200 });
    });

    it('lets members read and send, and says why others may not', async () => {
      expect((await sdk('bob', 'POST', '/group/channels/room/messages', { content: '안녕' })).body).toMatchObject({ message_id: 1, user: { user_id: 'bob' }, content: '안녕' });
      expect((await sdk('bob', 'GET', '/group/channels/room/messages?limit=5&mode=prev')).body).toMatchObject({ messages: [{ message_id: 1 }] });
      // quiet is private: a non-member learns nothing but "no permission".
      expect(await sdk('carol', 'POST', '/group/channels/quiet/messages', { content: 'hi' })).toMatchObject({ status: 403, body: { code: 3001 } });
      expect(await sdk('carol', 'GET', '/group/channels/quiet/messages')).toMatchObject({ status: 403, body: { code: 3001 } });
      expect((await sdk('mallory', 'GET', '/group/channels/room/messages')).body).toMatchObject({ code: 1019 });
      expect((await sdk('mallory', 'PUT', '/group/channels/room/join')).body).toMatchObject({ code: 1019 });
      expect((await sdk('bob', 'GET', '/group/channels/gone_room/messages')).body).toMatchObject({ code: 1003 });
      expect((await sdk('bob', 'POST', '/group/channels/room/messages', {})).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^content/) });
      expect((await sdk('bob', 'GET', '/group/channels/room/messages?limit=abc')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/limit/) });
      expect((await sdk('bob', 'PUT', '/group/channels/room/messages/read')).body).toMatchObject({ unread: { bob: 0 } });
    });

    it('keeps moderation to managers, who may not ban themselves or each other', async () => {
      expect((await sdk('bob', 'PUT', '/group/channels/room/freeze', { freeze: true })).body).toMatchObject({ code: 1016 });
      expect((await sdk('alice', 'PUT', '/group/channels/room/freeze', { freeze: 'yes' })).body).toMatchObject({ code: 1001 });
      expect((await sdk('alice', 'PUT', '/group/channels/room/freeze', { freeze: true })).body).toMatchObject({ freeze: true });
      expect((await sdk('bob', 'POST', '/group/channels/room/messages', { content: 'hi' })).body).toMatchObject({ code: 1009 });
      await sdk('alice', 'PUT', '/group/channels/room/freeze', { freeze: false });
      expect((await sdk('alice', 'POST', '/group/channels/room/ban', { user_id: 'alice', seconds: 60 })).body).toMatchObject({ code: 1018 });
      expect((await sdk('alice', 'POST', '/group/channels/room/ban', { user_id: 'dave', seconds: 60 })).body).toMatchObject({ code: 1017 });
      expect((await sdk('bob', 'POST', '/group/channels/room/ban', { user_id: 'carol', seconds: 60 })).body).toMatchObject({ code: 1016 });
      expect((await sdk('bob', 'GET', '/group/channels/room/banned_list')).body).toMatchObject({ code: 1016 });
      expect((await sdk('alice', 'GET', '/group/channels/room/banned_list')).body).toMatchObject({ banned: [{ user_id: 'mallory' }] });
      expect((await sdk('alice', 'DELETE', '/group/channels/room/ban/mallory')).status).toBe(200);
      // The ban ended mallory's membership; room is private, so only the server API brings her back.
      expect(await sdk('mallory', 'PUT', '/group/channels/room/join')).toMatchObject({ status: 403, body: { code: 3001 } });
    });

    it('lets only the sender or a manager change a message', async () => {
      const sent = await sdk('carol', 'POST', '/group/channels/room/messages', { content: 'mine' });
      const id = Number(sent.body.message_id);
      expect(await sdk('bob', 'DELETE', `/group/channels/room/messages/${id}`)).toMatchObject({ status: 403, body: { code: 3001 } });
      expect((await sdk('carol', 'PUT', `/group/channels/room/messages/${id}/meta`, { meta: { edited: 'y' } })).body).toMatchObject({ meta: { edited: 'y' } });
      expect((await sdk('alice', 'DELETE', `/group/channels/room/messages/${id}`)).status).toBe(200);
      expect((await sdk('alice', 'DELETE', `/group/channels/room/messages/${id}`)).body).toMatchObject({ code: 1005 });
    });

    it('adds the creator to a channel it creates and lists it among its channels', async () => {
      const created = await sdk('carol', 'POST', '/group/channels', { channel_id: 'carols', name: 'Carol’s', members: ['bob'] });
      expect(created.status).toBe(201);
      expect(created.body.members).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: 'carol' }), expect.objectContaining({ user_id: 'bob' })]));
      const mine = await sdk('carol', 'GET', '/users/me/group/channels?show_last_message=true');
      expect((mine.body.channels as Array<{ channel_id: string }>).map((c) => c.channel_id).sort()).toEqual(['carols', 'room']);
      // Not a manager of its own channel unless made one: changing it is refused.
      expect((await sdk('carol', 'PUT', '/group/channels/carols', { name: 'x' })).body).toMatchObject({ code: 1016 });
    });

    it('takes a file message as multipart and refuses one over the size limit (1012)', async () => {
      const upload = async (size: number) => {
        const form = new FormData();
        form.append('type', 'file');
        form.append('meta', JSON.stringify({ kind: 'note' }));
        form.append('file', new Blob([Buffer.alloc(size, 97)], { type: 'text/plain' }), 'note.txt');
        const res = await fetch(`${tp.url}/v1/sdk/group/channels/room/messages`, { method: 'POST', headers: { APP_ID: tp.appId, USER_ID: 'bob', authorization: `Bearer ${tokens.bob}` }, body: form });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const ok = await upload(10);
      expect(ok).toMatchObject({ status: 201, body: { type: 'file', user: { user_id: 'bob' }, meta: { kind: 'note' }, file: { name: 'note.txt', size: 10 } } });
      const file = await fetch(String((ok.body.file as { url: string }).url));
      expect(await file.text()).toBe('a'.repeat(10));
      expect(await upload(FILE_MAX + 1)).toMatchObject({ status: 400, body: { code: 1012 } });
    });

    it('never lets a token of one app act in another', async () => {
      await tp.parley.apps.create('otherapp');
      expect(await sdk('bob', 'GET', '/group/channels/room/messages', undefined, { APP_ID: 'otherapp' })).toMatchObject({ status: 401, body: { code: 4001 } });
    });
  });
});
