/**
 * Findings 8 and 9, as the attacker played them, on SQLite and PostgreSQL: an sdk token outlived the
 * session token it came from and could be exchanged again forever; an open chat socket kept receiving
 * after its token expired; and a deleted user's tokens came back to life when the id was created
 * again — even in the same millisecond. The SDK's answer to an expired token is checked with a real
 * SDK client: it renews (asking the app for a new session token when that one expired too) and
 * reconnects without losing a message.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '../packages/sdk/src/index.ts';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { sdkCaller } from './support/chat-sdk-calls.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();
const DAY_MS = 86_400_000;

describe.each(engines)('token lifetime, kinds and incarnation on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let call: ReturnType<typeof platformClient>;
    const sockets: Socket[] = [];
    const clients: Client[] = [];

    const sessionToken = async (user: string, lifeMs: number): Promise<{ token: string; expires_at: number }> => {
      const res = await call<{ token: string; expires_at: number }>('POST', `/v1/users/${user}/token`, { expires_at: Date.now() + lifeMs });
      expect(res.status).toBe(200);
      return res.body;
    };
    const as = (user: string, token: string) => sdkCaller(tp.url, tp.appId, { [user]: token });

    function connect(user: string, token: string): Promise<Socket> {
      const socket = io(tp.url, { auth: { app_id: tp.appId, user_id: user, token }, transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    }

    beforeAll(async () => {
      tp = await engine.start();
      call = platformClient(tp.url, tp.appId, tp.apiKey);
      for (const id of ['alice', 'bob', 'carol']) await call('POST', '/v1/users', { user_id: id, name: id });
      await call('POST', '/v1/group/channels', { channel_id: 'room', name: 'Room', members: ['alice', 'bob', 'carol'] });
    });
    afterAll(async () => {
      for (const c of clients) c.disconnectUser();
      for (const s of sockets) s.disconnect();
      await tp?.stop();
    });

    it('an exchanged sdk token never outlives the session token it came from', async () => {
      const session = await sessionToken('alice', 300_000);
      const exchanged = await as('alice', session.token)('alice', 'POST', '/users/token');
      expect(exchanged.status).toBe(200);
      expect(Number(exchanged.body.expires_at)).toBeLessThanOrEqual(session.expires_at);
      // A long session token still gives at most a day.
      const long = await sessionToken('alice', 30 * DAY_MS);
      const daily = await as('alice', long.token)('alice', 'POST', '/users/token');
      expect(Number(daily.body.expires_at)).toBeLessThanOrEqual(Date.now() + DAY_MS);
    });

    it('an sdk token cannot be exchanged again', async () => {
      const session = await sessionToken('alice', 300_000);
      const sdkToken = String((await as('alice', session.token)('alice', 'POST', '/users/token')).body.token);
      const again = await as('alice', sdkToken)('alice', 'POST', '/users/token');
      expect(again).toMatchObject({ status: 403, body: { code: 3001 } });
      // It still works for everything else.
      expect((await as('alice', sdkToken)('alice', 'GET', '/users/me')).status).toBe(200);
    });

    it('an expired token is answered 401 / 4002, a bad one 401 / 4001, so that a client knows to renew', async () => {
      const session = await sessionToken('alice', 300);
      await new Promise((r) => setTimeout(r, 400));
      expect(await as('alice', session.token)('alice', 'GET', '/users/me')).toMatchObject({ status: 401, body: { code: 4002 } });
      expect(await as('alice', `${session.token.slice(0, -2)}xx`)('alice', 'GET', '/users/me')).toMatchObject({ status: 401, body: { code: 4001 } });
      await expect(connect('alice', session.token)).rejects.toMatchObject({ message: expect.stringMatching(/expired/) });
    });

    it('a chat socket is disconnected when its token expires, saying why', async () => {
      const session = await sessionToken('bob', 1200);
      const sdkToken = String((await as('bob', session.token)('bob', 'POST', '/users/token')).body.token);
      const ends = (await Promise.all([connect('bob', session.token), connect('bob', sdkToken)])).map(async (socket) => {
        const reason = new Promise<string>((resolve) => socket.once('error', resolve));
        const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
        const end = await Promise.race([gone, new Promise<string>((r) => setTimeout(() => r('still connected'), 4000))]);
        return { end, reason: await Promise.race([reason, Promise.resolve('no reason')]), at: Date.now() };
      });
      for (const { end, reason, at } of await Promise.all(ends)) {
        expect(end).toBe('io server disconnect');
        expect(reason).toBe('token expired');
        expect(at).toBeGreaterThanOrEqual(session.expires_at);
      }
    });

    it('the SDK renews at expiry (asking the app for a new session token) and misses no message', async () => {
      const first = await sessionToken('carol', 1500);
      let asked = 0;
      const client = new Client({
        app_id: tp.appId,
        url: tp.url,
        session_token: first.token,
        refreshSessionToken: async () => {
          asked++;
          return (await sessionToken('carol', 600_000)).token;
        },
      });
      clients.push(client);
      const events: string[] = [];
      const received: string[] = [];
      client.on('tokenExpired', (reason) => events.push(`tokenExpired:${reason}`));
      client.on('reconnectSucceed', () => events.push('reconnectSucceed'));
      client.on('disconnected', (reason) => events.push(`disconnected:${reason}`));
      client.on('group:message_send', (message) => received.push(message.content ?? ''));
      await client.connectUser({ user_id: 'carol' });
      await call('POST', '/v1/group/channels/room/messages', { user_id: 'alice', content: 'before expiry' });
      await expect.poll(() => events, { timeout: 6000 }).toContain('tokenExpired:token expired');
      await call('POST', '/v1/group/channels/room/messages', { user_id: 'alice', content: 'while renewing' });
      await expect.poll(() => events, { timeout: 6000 }).toContain('reconnectSucceed');
      await call('POST', '/v1/group/channels/room/messages', { user_id: 'alice', content: 'after renewal' });
      await expect.poll(() => received, { timeout: 6000 }).toEqual(['before expiry', 'while renewing', 'after renewal']);
      expect(asked).toBe(1);
      expect(events.some((e) => e.startsWith('disconnected'))).toBe(false);
      expect(client.connectionState).toBe('connected');
    });

    it('without a way to renew, the SDK ends the session with the reason', async () => {
      const short = await sessionToken('bob', 1200);
      const client = new Client({ app_id: tp.appId, url: tp.url, session_token: short.token });
      clients.push(client);
      const events: string[] = [];
      client.on('tokenExpired', (reason) => events.push(`tokenExpired:${reason}`));
      client.on('disconnected', (reason) => events.push(`disconnected:${reason}`));
      await client.connectUser({ user_id: 'bob' });
      await expect.poll(() => events, { timeout: 6000 }).toEqual(['tokenExpired:token expired', 'disconnected:token expired']);
      expect(client.connectionState).toBe('disconnected');
    });

    it('revoking the tokens ends the SDK’s connection with `token revoked`, and a new session token brings it back', async () => {
      await call('POST', '/v1/users', { user_id: 'dora', name: 'Dora' });
      const first = await sessionToken('dora', 600_000);
      const events: string[] = [];
      let grant = false;
      const client = new Client({
        app_id: tp.appId,
        url: tp.url,
        session_token: first.token,
        // The app's backend decides: after a revocation it first refuses, then grants again.
        refreshSessionToken: async () => {
          if (!grant) throw new Error('signed out');
          return (await sessionToken('dora', 600_000)).token;
        },
      });
      clients.push(client);
      client.on('tokenExpired', (reason) => events.push(`tokenExpired:${reason}`));
      client.on('disconnected', (reason) => events.push(`disconnected:${reason}`));
      await client.connectUser({ user_id: 'dora' });
      await call('DELETE', '/v1/users/dora/token');
      await expect.poll(() => events, { timeout: 6000 }).toEqual(['tokenExpired:token revoked', 'disconnected:token revoked']);
      // An expired or revoked session token at connectUser goes through refreshSessionToken as well.
      grant = true;
      await expect(client.connectUser({ user_id: 'dora' })).resolves.toMatchObject({ user_id: 'dora' });
      expect(client.connectionState).toBe('connected');
    });

    it('a deleted user’s tokens do not come back when the id is created again', async () => {
      await call('POST', '/v1/users', { user_id: 'phoenix', name: 'first life' });
      const old = await sessionToken('phoenix', 600_000);
      const oldSdk = String((await as('phoenix', old.token)('phoenix', 'POST', '/users/token')).body.token);
      expect((await call('DELETE', '/v1/users/phoenix')).status).toBe(200);
      expect((await call('POST', '/v1/users', { user_id: 'phoenix', name: 'second life' })).status).toBe(201);
      for (const token of [old.token, oldSdk]) {
        expect(await as('phoenix', token)('phoenix', 'GET', '/users/me')).toMatchObject({ status: 401, body: { code: 4001 } });
        await expect(connect('phoenix', token)).rejects.toThrow();
      }
      const fresh = await sessionToken('phoenix', 600_000);
      expect((await as('phoenix', fresh.token)('phoenix', 'GET', '/users/me')).body).toMatchObject({ name: 'second life' });
    });

    it('… even when deletion and re-creation happen in the same millisecond as the token', async () => {
      const users = tp.parley.chat.users;
      const app = tp.parley.bootstrap.app!;
      const frozen = Date.now();
      const clock = vi.spyOn(Date, 'now').mockReturnValue(frozen);
      let token: string;
      try {
        await users.create(app.id, { user_id: 'twin', name: 'first' });
        token = (await users.issueToken(app, 'twin', frozen + 600_000)).token;
        await users.delete(app.id, 'twin');
        await users.create(app.id, { user_id: 'twin', name: 'second' });
      } finally {
        clock.mockRestore();
      }
      expect(await as('twin', token)('twin', 'GET', '/users/me')).toMatchObject({ status: 401, body: { code: 4001 } });
    });
  });
});
