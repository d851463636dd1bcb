/**
 * GitpleLive SDK 1.1 parity on SQLite and PostgreSQL (DESIGN.md): `GET …/managers` through both APIs,
 * paged like the members; `PUT|DELETE /v1/group/channels/{id}/meta` merging keys and removing the
 * listed ones (all without a list) under the channel meta rules, each emitting `group:channel_update`;
 * and the SDK's registerManager / deleteManager / getManagerList.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../packages/sdk/src/index.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import { seedChat } from './support/chat-seed.ts';
import { openChatSocket, type Received } from './support/chat-socket.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

type Channel = { channel_id: string; meta: Record<string, string>; managers?: Array<{ user_id: string }>; updated_at: number };

describe.each(engines)('SDK 1.1 parity on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    let sdk: ReturnType<typeof sdkCaller>;
    let tokens: Record<string, string>;
    let bobHears: Received;
    let close: () => void = () => undefined;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice', 'bob', 'carol', 'dave', 'eve'], channels: { lobby: ['alice', 'bob', 'carol', 'dave'] } }));
      sdk = sdkCaller(tp.url, tp.appId, tokens);
      for (const manager of ['carol', 'alice', 'bob']) expect((await call('POST', '/v1/group/channels/lobby/managers', { manager })).status).toBe(200);
      const bob = await openChatSocket(tp.url, tp.appId, 'bob', tokens.bob!);
      bobHears = bob.received;
      close = () => bob.socket.close();
    }, 30_000);
    afterAll(async () => {
      close();
      await tp?.stop();
    });

    it('GET …/managers lists the managers in user id order, paged like the members, through both APIs', async () => {
      const all = await call<{ managers: Array<{ user_id: string; name: string }>; next: string | null }>('GET', '/v1/group/channels/lobby/managers');
      expect(all.status).toBe(200);
      expect(all.body.managers.map((m) => m.user_id)).toEqual(['alice', 'bob', 'carol']);
      expect(all.body.managers[0]).toMatchObject({ user_id: 'alice', name: 'alice', meta: {} });
      expect(all.body.next).toBeNull();
      const first = await sdk<{ managers: Array<{ user_id: string }>; next: string | null }>('dave', 'GET', '/group/channels/lobby/managers?limit=2');
      expect(first.body.managers.map((m) => m.user_id)).toEqual(['alice', 'bob']);
      expect(first.body.next).toEqual(expect.any(String));
      const second = await sdk<{ managers: Array<{ user_id: string }>; next: string | null }>('dave', 'GET', `/group/channels/lobby/managers?limit=2&next=${first.body.next}`);
      expect(second.body).toEqual({ managers: [expect.objectContaining({ user_id: 'carol' })], next: null });
    });

    it('GET …/managers refuses non-members of a private channel, unknown channels and bad pages', async () => {
      expect((await sdk('eve', 'GET', '/group/channels/lobby/managers')).body).toMatchObject({ status: 403, code: 3001 });
      expect((await call('GET', '/v1/group/channels/nowhere_x/managers')).body).toMatchObject({ code: 1003 });
      expect((await call('GET', '/v1/group/channels/lobby/managers?limit=0')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/limit/) });
      expect((await call('GET', '/v1/group/channels/lobby/managers?next=***')).body).toMatchObject({ code: 1001, message: expect.stringMatching(/next/) });
    });

    it('PUT …/meta merges keys and DELETE …/meta removes the listed ones; members hear group:channel_update', async () => {
      const put = await call<Channel>('PUT', '/v1/group/channels/lobby/meta', { meta: { topic: 'release', color: 'blue' } });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ channel_id: 'lobby', meta: { topic: 'release', color: 'blue' } });
      const merged = await call<Channel>('PUT', '/v1/group/channels/lobby/meta', { meta: { topic: 'launch', size: 'xl' } });
      expect(merged.body.meta).toEqual({ topic: 'launch', color: 'blue', size: 'xl' });
      await expect.poll(() => bobHears.filter((e) => e.event === 'group:channel_update').map((e) => (e.args[0] as Channel).meta)).toEqual([
        { topic: 'release', color: 'blue' },
        { topic: 'launch', color: 'blue', size: 'xl' },
      ]);
      const removed = await call<Channel>('DELETE', '/v1/group/channels/lobby/meta', { keys: ['color', 'not_there'] });
      expect(removed.body.meta).toEqual({ topic: 'launch', size: 'xl' });
      expect((await call<Channel>('GET', '/v1/group/channels/lobby')).body.meta).toEqual({ topic: 'launch', size: 'xl' });
      const cleared = await call<Channel>('DELETE', '/v1/group/channels/lobby/meta');
      expect(cleared.body.meta).toEqual({});
      await expect.poll(() => bobHears.filter((e) => e.event === 'group:channel_update').length).toBe(4);
      expect((bobHears.filter((e) => e.event === 'group:channel_update').at(-1)!.args[0] as Channel).meta).toEqual({});
    });

    it('PUT …/meta keeps the channel meta rules (10 pairs, key 100 B, value 200 B) and changes nothing when refused', async () => {
      await call('PUT', '/v1/group/channels/lobby/meta', { meta: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])) });
      expect((await call('PUT', '/v1/group/channels/lobby/meta', { meta: { k9: 'v' } })).status).toBe(200);
      const tooMany = await call('PUT', '/v1/group/channels/lobby/meta', { meta: { k10: 'v' } });
      expect(tooMany.body).toMatchObject({ status: 400, code: 1001, message: expect.stringMatching(/^meta.*10 keys/) });
      expect(Object.keys((await call<Channel>('GET', '/v1/group/channels/lobby')).body.meta)).toHaveLength(10);
      expect((await call('PUT', '/v1/group/channels/lobby/meta', { meta: { k0: 'x'.repeat(201) } })).body).toMatchObject({ code: 1001 });
      expect((await call('PUT', '/v1/group/channels/lobby/meta', { meta: { ['k'.repeat(101)]: 'v' } })).body).toMatchObject({ code: 1001 });
      expect((await call('PUT', '/v1/group/channels/lobby/meta', { meta: { k0: 5 } })).body).toMatchObject({ code: 1001 });
      expect((await call('PUT', '/v1/group/channels/lobby/meta', {})).body).toMatchObject({ code: 1001 });
      expect((await call('DELETE', '/v1/group/channels/lobby/meta', { keys: 'k0' })).body).toMatchObject({ code: 1001 });
      expect((await call('PUT', '/v1/group/channels/nowhere_x/meta', { meta: { a: 'b' } })).body).toMatchObject({ code: 1003 });
      expect((await call<Channel>('GET', '/v1/group/channels/lobby')).body.meta.k0).toBe('v');
      // Hostile keys: `__proto__` is refused by the JSON parser as everywhere; `constructor` is an ordinary key.
      await call('DELETE', '/v1/group/channels/lobby/meta');
      const res = await fetch(`${tp.url}/v1/group/channels/lobby/meta`, { method: 'PUT', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' }, body: '{"meta":{"__proto__":{"x":"1"}}}' });
      expect(await res.json()).toMatchObject({ status: 400, code: 1001 });
      const hostile = await call<Channel>('PUT', '/v1/group/channels/lobby/meta', { meta: { constructor: 'c', toString: 't' } });
      expect(hostile.body.meta).toEqual({ constructor: 'c', toString: 't' });
      expect(Object.getPrototypeOf(hostile.body.meta)).toBe(Object.prototype);
      // A server API call: the client API has no such route.
      expect((await sdk('alice', 'PUT', '/group/channels/lobby/meta', { meta: { a: 'b' } })).status).toBe(404);
      await call('DELETE', '/v1/group/channels/lobby/meta');
    });

    it('the SDK registers, lists and deletes managers (registerManager, getManagerList, deleteManager)', async () => {
      const client = new ChatClient({ host: tp.url, app_id: tp.appId });
      try {
        await client.connectUser({ user_id: 'alice', session_token: tokens.alice! });
        const registered = await client.groupChannel.registerManager('lobby', 'dave');
        expect(registered.managers?.map((m) => m.user_id)).toEqual(['alice', 'bob', 'carol', 'dave']);
        expect((await client.groupChannel.getManagerList('lobby', { limit: 3 })).managers.map((m) => m.user_id)).toEqual(['alice', 'bob', 'carol']);
        await expect.poll(() => bobHears.some((e) => e.event === 'group:channel_manager_create' && (e.args[1] as { user_id: string }).user_id === 'dave')).toBe(true);
        const deleted = await client.groupChannel.deleteManager('lobby', 'dave');
        expect(deleted.managers?.map((m) => m.user_id)).toEqual(['alice', 'bob', 'carol']);
        expect((await client.groupChannel.getManagerList('lobby')).managers.map((m) => m.user_id)).toEqual(['alice', 'bob', 'carol']);
        await expect(client.groupChannel.deleteManager('lobby', 'dave')).rejects.toMatchObject({ code: 1016 });
      } finally {
        client.disconnectUser();
      }
    });
  });
});
