/**
 * Finding 13 (chat parts), as the attacker played them, on SQLite and PostgreSQL: app ids could be
 * enumerated because an unknown app answered 4003 ("unknown application X") where a known one with a
 * wrong key or token answered 4001, and the chat socket said "unknown app X"; and a multipart send
 * with 30 fields was answered "request body too large", hiding what was wrong with it.
 */
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCases, platformClient } from './support/chat-engines.ts';
import { seedChat } from './support/chat-seed.ts';
import type { TestParley } from './support/start-parley.ts';

const engines = await engineCases();

/** The answer without what differs between any two calls (the time). */
const comparable = ({ status, body }: { status: number; body: Record<string, unknown> }) => ({ status, code: body.code, message: body.message });

describe.each(engines)('authentication answers and multipart limits on $name', (engine) => {
  describe.skipIf(engine.skip)('', () => {
    let tp: TestParley;
    let tokens: Record<string, string> = {};

    const sdkAs = async (appId: string, token: string) => {
      const res = await fetch(`${tp.url}/v1/sdk/users/me`, { headers: { APP_ID: appId, USER_ID: 'alice', authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const socketRefusal = (appId: string, token: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = io(tp.url, { auth: { app_id: appId, user_id: 'alice', token }, transports: ['websocket'], reconnection: false });
        socket.once('connect', () => {
          socket.disconnect();
          reject(new Error('connected'));
        });
        socket.once('connect_error', (err) => {
          socket.disconnect();
          resolve(err.message);
        });
      });
    const multipart = async (path: string, headers: Record<string, string>, fields: number) => {
      const form = new FormData();
      form.append('type', 'file');
      for (let i = 0; i < fields; i++) form.append(`extra_${i}`, 'x');
      form.append('file', new Blob(['hello'], { type: 'text/plain' }), 'hello.txt');
      const res = await fetch(`${tp.url}${path}`, { method: 'POST', headers, body: form });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      tp = await engine.start();
      ({ tokens } = await seedChat(tp.url, tp.appId, tp.apiKey, { users: ['alice'], channels: { room: ['alice'] } }));
    });
    afterAll(async () => {
      await tp?.stop();
    });

    it('/v1 answers an unknown app exactly like a wrong key', async () => {
      const unknown = await platformClient(tp.url, 'no_such_app', 'some-key')('GET', '/v1/users');
      const wrongKey = await platformClient(tp.url, tp.appId, 'some-key')('GET', '/v1/users');
      expect(comparable(unknown)).toEqual(comparable(wrongKey));
      expect(comparable(unknown)).toMatchObject({ status: 401, code: 4001 });
      expect(JSON.stringify(unknown.body)).not.toContain('no_such_app');
    });

    it('/v1/sdk answers an unknown app exactly like a bad token', async () => {
      const unknown = await sdkAs('no_such_app', 'a.b.c');
      const badToken = await sdkAs(tp.appId, 'a.b.c');
      expect(comparable(unknown)).toEqual(comparable(badToken));
      expect(comparable(unknown)).toMatchObject({ status: 401, code: 4001 });
      // A real token of a real app, presented for an app that does not exist: the same again.
      expect(comparable(await sdkAs('no_such_app', tokens.alice!))).toEqual(comparable(badToken));
    });

    it('the chat socket refuses an unknown app with the words of a bad token', async () => {
      const unknown = await socketRefusal('no_such_app', 'a.b.c');
      const badToken = await socketRefusal(tp.appId, 'a.b.c');
      expect(unknown).toBe(badToken);
      expect(unknown).not.toContain('no_such_app');
    });

    it('a multipart send with 30 fields is refused for its field count, not as too large', async () => {
      const server = await multipart('/v1/group/channels/room/messages', { APP_ID: tp.appId, APP_API_KEY: tp.apiKey }, 30);
      expect(server).toMatchObject({ status: 400, body: { code: 1001, message: expect.stringMatching(/fields/) } });
      expect(String(server.body.message)).not.toMatch(/too large/);
      const sdk = await multipart('/v1/sdk/group/channels/room/messages', { APP_ID: tp.appId, USER_ID: 'alice', authorization: `Bearer ${tokens.alice}` }, 30);
      expect(sdk).toMatchObject({ status: 400, body: { code: 1001, message: expect.stringMatching(/fields/) } });
      // Within the limit the same send goes through.
      expect((await multipart('/v1/sdk/group/channels/room/messages', { APP_ID: tp.appId, USER_ID: 'alice', authorization: `Bearer ${tokens.alice}` }, 5)).status).toBe(201);
    });
  });
});
