/**
 * Platform API, users and access, on SQLite and PostgreSQL alike: authentication (4001), users
 * CRUD with meta and cursors, session tokens (claims in ms, revocation), and app isolation.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

describe.each(engines)('chat users on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('refuses a missing or wrong key and an unknown app with 4001, in the chat envelope', async () => {
      const missing = await fetch(`${tp.url}/v1/users`, { headers: { APP_ID: tp.appId } });
      expect(missing.status).toBe(401);
      const body = await missing.json();
      expect(body).toEqual({ status: 401, timestamp: expect.any(Number), path: '/v1/users', message: expect.stringMatching(/APP_API_KEY/), code: 4001 });
      expect((await platformClient(tp.url, tp.appId, 'wrong')('GET', '/v1/users')).body).toMatchObject({ status: 401, code: 4001 });
      expect((await platformClient(tp.url, 'nosuchapp', 'x')('GET', '/v1/users')).body).toMatchObject({ status: 401, code: 4001 });
      expect((await fetch(`${tp.url}/v1/users`)).status).toBe(401);
    });

    it('creates, reads, lists, updates and deletes users', async () => {
      const created = await call('POST', '/v1/users', { user_id: 'alice', name: 'Alice', profile_url: 'a.png', meta: { team: 'blue' } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ user_id: 'alice', name: 'Alice', profile_url: 'a.png', meta: { team: 'blue' }, created_at: expect.any(Number), updated_at: expect.any(Number) });
      expect((await call('POST', '/v1/users', { user_id: 'alice', name: 'Again' })).body).toMatchObject({ status: 400, code: 1007 });
      expect((await call('GET', '/v1/users/alice')).body).toEqual(created.body);
      const updated = await call('PUT', '/v1/users/alice', { name: 'Alice A.' });
      expect(updated.body).toMatchObject({ name: 'Alice A.', profile_url: 'a.png', meta: { team: 'blue' } });
      expect((await call('PUT', '/v1/users/alice/meta', { meta: { level: '3' } })).body).toEqual({ team: 'blue', level: '3' });
      expect((await call('DELETE', '/v1/users/alice/meta', { keys: ['team'] })).body).toEqual({ level: '3' });
      expect((await call('DELETE', '/v1/users/alice/meta')).body).toEqual({});
      expect((await call('DELETE', '/v1/users/alice')).status).toBe(200);
      expect((await call('GET', '/v1/users/alice')).body).toMatchObject({ status: 400, code: 1004, message: 'user alice not found' });
      expect((await call('PUT', '/v1/users/alice', { name: 'x' })).body).toMatchObject({ code: 1004 });
      expect((await call('DELETE', '/v1/users/alice')).body).toMatchObject({ code: 1004 });
    });

    it('pages users with limit and next', async () => {
      for (let i = 0; i < 5; i++) expect((await call('POST', '/v1/users', { user_id: `page_${i}`, name: `P${i}` })).status).toBe(201);
      const seen: string[] = [];
      let next: string | null = null;
      do {
        const res: { status: number; body: { users: Array<{ user_id: string }>; next: string | null } } = await call<{ users: Array<{ user_id: string }>; next: string | null }>('GET', `/v1/users?limit=2${next ? `&next=${next}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.users.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.users.map((u) => u.user_id));
        next = res.body.next;
      } while (next);
      expect(seen.filter((id) => id.startsWith('page_'))).toEqual(['page_0', 'page_1', 'page_2', 'page_3', 'page_4']);
    });

    it('names the offending field in 1001 answers', async () => {
      const cases: Array<[string, string, unknown, RegExp]> = [
        ['GET', '/v1/users?limit=0', undefined, /^limit must be between 1 and 100$/],
        ['GET', '/v1/users?limit=101', undefined, /^limit must be between 1 and 100$/],
        ['GET', '/v1/users?limit=abc', undefined, /^limit /],
        ['GET', '/v1/users?next=%2F%2F', undefined, /^next /],
        ['POST', '/v1/users', { name: 'x' }, /^user_id is required$/],
        ['POST', '/v1/users', { user_id: 5, name: 'x' }, /^user_id must be string$/],
        ['POST', '/v1/users', { user_id: 'a b', name: 'x' }, /^user_id must be/],
        ['POST', '/v1/users', { user_id: 'ok_id', name: 'x'.repeat(151) }, /^name must be 0-150 characters$/],
        ['POST', '/v1/users', { user_id: 'ok_id', name: 'x', meta: { k: 1 } }, /^meta\.k must be a string$/],
        ['POST', '/v1/users', { user_id: 'ok_id', name: 'x', meta: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, /^meta must have at most 10 keys$/],
        ['POST', '/v1/users', { user_id: 'ok_id', name: 'x', meta: { k: 'v'.repeat(201) } }, /^meta\.k must be at most 200 bytes$/],
        ['GET', '/v1/users/bad%20id', undefined, /^user_id must be/],
        ['POST', '/v1/users/nobody/token', { expires_at: 1 }, /^user nobody not found$/],
      ];
      for (const [method, path, body, message] of cases) {
        const res = await call(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body.message, `${method} ${path}`).toMatch(message);
        expect(typeof res.body.code).toBe('number');
      }
      const broken = await fetch(`${tp.url}/v1/users`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' }, body: '{"user_id":' });
      expect(await broken.json()).toMatchObject({ status: 400, code: 1001 });
    });

    it('keeps __proto__ and constructor meta keys as plain data', async () => {
      const raw = '{"user_id":"proto_user","name":"p","meta":{"constructor":"c","toString":"t"}}';
      const res = await fetch(`${tp.url}/v1/users`, { method: 'POST', headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' }, body: raw });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { meta: unknown }).meta).toEqual({ constructor: 'c', toString: 't' });
      const poisoned = await fetch(`${tp.url}/v1/users/proto_user/meta`, {
        method: 'PUT',
        headers: { APP_ID: tp.appId, APP_API_KEY: tp.apiKey, 'content-type': 'application/json' },
        body: '{"meta":{"__proto__":{"polluted":"yes"}}}',
      });
      expect(poisoned.status).toBe(400);
      expect(await poisoned.json()).toMatchObject({ code: 1001 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('issues HS256 session tokens with iat/exp in ms, and revokes them', async () => {
      await call('POST', '/v1/users', { user_id: 'tok', name: 'T' });
      const expiresAt = Date.now() + 3_600_000;
      const issued = await call<{ token: string; expires_at: number }>('POST', '/v1/users/tok/token', { expires_at: expiresAt });
      expect(issued.status).toBe(200);
      expect(issued.body.expires_at).toBe(expiresAt);
      const claims = decodeJwt(issued.body.token);
      expect(claims).toMatchObject({ user_id: 'tok', exp: expiresAt, kind: 'session', inc: expect.any(String) });
      expect(Math.abs(Number(claims.iat) - Date.now())).toBeLessThan(60_000);
      expect((await call('POST', '/v1/users/tok/token', { expires_at: Date.now() - 1 })).body).toMatchObject({ code: 1001, message: expect.stringMatching(/^expires_at/) });
      const revoked = await call('DELETE', '/v1/users/tok/token');
      expect(revoked.body).toMatchObject({ user_id: 'tok', revoked_at: expect.any(Number) });
      const session = tp.parley.chat.users;
      const app = (await tp.parley.apps.get(tp.appId))!;
      await expect(session.verifySession(app, 'tok', issued.body.token)).rejects.toMatchObject({ code: 4001, message: 'token revoked' });
      const fresh = await call<{ token: string }>('POST', '/v1/users/tok/token', {});
      await expect(session.verifySession(app, 'tok', fresh.body.token)).resolves.toMatchObject({ user: { user_id: 'tok' }, claims: { kind: 'session' } });
      await expect(session.verifySession(app, 'other', fresh.body.token)).rejects.toMatchObject({ code: 4001 });
    });

    it('shows nothing of app A to app B', async () => {
      const other = await tp.parley.apps.create('other');
      const b = platformClient(tp.url, other.id, other.apiKey);
      await call('POST', '/v1/users', { user_id: 'shared_id', name: 'in A' });
      await call('POST', '/v1/group/channels', { channel_id: 'room_a', name: 'A', members: ['shared_id'] });
      expect((await b('GET', '/v1/users/shared_id')).body).toMatchObject({ code: 1004 });
      expect((await b<{ users: unknown[] }>('GET', '/v1/users')).body.users).toEqual([]);
      expect((await b('GET', '/v1/group/channels/room_a')).body).toMatchObject({ code: 1003 });
      expect((await b<{ channels: unknown[] }>('GET', '/v1/group/channels')).body.channels).toEqual([]);
      expect((await b('POST', '/v1/group/channels/room_a/messages', { user_id: 'shared_id', content: 'x' })).body).toMatchObject({ code: 1004 });
      // The same ids are free in B and stay apart.
      expect((await b('POST', '/v1/users', { user_id: 'shared_id', name: 'in B' })).status).toBe(201);
      expect((await b('POST', '/v1/group/channels', { channel_id: 'room_a', name: 'B', members: ['shared_id'] })).status).toBe(201);
      expect((await call('GET', '/v1/users/shared_id')).body).toMatchObject({ name: 'in A' });
      expect((await call('GET', '/v1/group/channels/room_a')).body).toMatchObject({ name: 'A' });
      // A's key does not open B.
      expect((await platformClient(tp.url, other.id, tp.apiKey)('GET', '/v1/users')).body).toMatchObject({ code: 4001 });
    });

    it('answers unknown /v1 paths with the chat envelope', async () => {
      expect((await call('GET', '/v1/nothing/here')).body).toMatchObject({ status: 404, code: 1002, path: '/v1/nothing/here' });
    });

    // Last: draining does not end.
    it('answers 503 in the chat envelope while draining', async () => {
      tp.parley.drain();
      const res = await call('GET', '/v1/users');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 503, code: 9999, path: '/v1/users', message: 'server is shutting down' });
    });
  });
});
