/** The client API's authentication, access rules and error envelope, against an in-memory backend (no port). */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App, AppService } from '../apps/app.service.ts';
import type { ChannelRole, ChatSdkBackend } from './chat-sdk.backend.ts';
import { chatSdkRoutes } from './chat-sdk.routes.ts';
import { validatorCompiler } from './validation.ts';

const app = { id: 'app1' } as App;
const apps = { get: async (id: string) => (id === 'app1' ? app : undefined) } as unknown as AppService;

/** room: alice manager, bob member, mallory banned; frozen_room is frozen; bob sent message 1. */
const roles: Record<string, Record<string, Partial<ChannelRole>>> = {
  room: { alice: { member: true, manager: true }, bob: { member: true }, mallory: { banned: true } },
  frozen_room: { alice: { member: true, manager: true }, bob: { member: true } },
};
const calls: string[] = [];
const record =
  (name: string) =>
  async (...args: unknown[]) => {
    calls.push(`${name} ${JSON.stringify(args.slice(1))}`);
    return { ok: name };
  };
const backend = new Proxy({} as ChatSdkBackend, {
  get(_t, name: string) {
    if (name === 'verifyToken') return async (_a: App, user: string, token: string) => token === `token-${user}`;
    if (name === 'role')
      return async (_a: App, channel: string, user: string): Promise<ChannelRole> => {
        const r = roles[channel]?.[user] ?? {};
        return { exists: channel in roles, member: false, manager: false, banned: false, frozen: channel === 'frozen_room', ...r };
      };
    if (name === 'messageSender') return async (_a: App, _c: string, id: number) => (id === 1 ? 'bob' : undefined);
    return record(name);
  },
});

let http: FastifyInstance;
beforeAll(async () => {
  http = Fastify();
  http.setValidatorCompiler(validatorCompiler);
  await http.register(async (scope) => chatSdkRoutes(scope, { apps, backend, fileMaxBytes: 1024 }));
  await http.ready();
});
afterAll(async () => {
  await http.close();
});

const as = (user: string, extra: Record<string, string> = {}) => ({ APP_ID: 'app1', USER_ID: user, authorization: `Bearer token-${user}`, ...extra });

async function call(user: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) {
  const res = await http.inject({ method, url: `/v1/sdk${url}`, headers: as(user), payload });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

describe('/v1/sdk access rules', () => {
  it('refuses unknown apps (4003) and bad tokens (4001) with the chat error envelope', async () => {
    const unknown = await http.inject({ method: 'GET', url: '/v1/sdk/users/me', headers: { ...as('bob'), APP_ID: 'nope' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toMatchObject({ status: 401, code: 4003, path: '/v1/sdk/users/me' });
    expect(typeof unknown.json().timestamp).toBe('number');
    const forged = await http.inject({ method: 'GET', url: '/v1/sdk/users/me', headers: { ...as('bob'), authorization: 'Bearer token-alice' } });
    expect(forged.json()).toMatchObject({ status: 401, code: 4001 });
    const none = await http.inject({ method: 'GET', url: '/v1/sdk/users/me', headers: { APP_ID: 'app1', USER_ID: 'bob' } });
    expect(none.json()).toMatchObject({ status: 401, code: 4001 });
  });

  it('lets members read and send, and says why others may not', async () => {
    expect((await call('bob', 'GET', '/group/channels/room/messages?limit=5')).status).toBe(200);
    expect(await call('bob', 'POST', '/group/channels/room/messages', { content: 'hi' })).toMatchObject({ status: 201 });
    expect(calls).toContain('sendText ["room","bob","hi",null]');
    expect((await call('carol', 'POST', '/group/channels/room/messages', { content: 'hi' })).body).toMatchObject({ code: 1008 });
    expect((await call('mallory', 'GET', '/group/channels/room/messages')).body).toMatchObject({ code: 1019 });
    expect((await call('mallory', 'PUT', '/group/channels/room/join')).body).toMatchObject({ code: 1019 });
    expect((await call('bob', 'POST', '/group/channels/frozen_room/messages', { content: 'hi' })).body).toMatchObject({ code: 1009 });
    expect((await call('bob', 'GET', '/group/channels/gone/messages')).body).toMatchObject({ code: 1003 });
    expect((await call('bob', 'POST', '/group/channels/room/messages', {})).body).toMatchObject({ code: 1001, message: 'content is required' });
  });

  it('keeps moderation to managers, who may not ban themselves or each other', async () => {
    expect((await call('bob', 'PUT', '/group/channels/room/freeze', { freeze: true })).body).toMatchObject({ code: 1016 });
    expect((await call('alice', 'PUT', '/group/channels/room/freeze', { freeze: true })).status).toBe(200);
    expect((await call('alice', 'PUT', '/group/channels/room/freeze', { freeze: 'yes' })).body).toMatchObject({ code: 1001 });
    expect((await call('alice', 'POST', '/group/channels/room/ban', { user_id: 'alice', seconds: 60 })).body).toMatchObject({ code: 1018 });
    expect((await call('bob', 'POST', '/group/channels/room/ban', { user_id: 'alice', seconds: 60 })).body).toMatchObject({ code: 1016 });
    expect((await call('alice', 'POST', '/group/channels/room/ban', { user_id: 'bob', seconds: 60 })).status).toBe(200);
    expect((await call('bob', 'GET', '/group/channels/room/banned_list')).body).toMatchObject({ code: 1016 });
  });

  it('lets only the sender or a manager change a message', async () => {
    expect((await call('bob', 'DELETE', '/group/channels/room/messages/1')).status).toBe(200);
    expect((await call('alice', 'PUT', '/group/channels/room/messages/1/meta', { meta: { pin: 'y' } })).status).toBe(200);
    expect((await call('bob', 'DELETE', '/group/channels/room/messages/2')).body).toMatchObject({ code: 1005 });
    roles.room!.carol = { member: true };
    expect(await call('carol', 'DELETE', '/group/channels/room/messages/1')).toMatchObject({ status: 403, body: { code: 3001 } });
  });

  it('adds the creator to a new channel and exchanges tokens', async () => {
    expect((await call('bob', 'POST', '/group/channels', { channel_id: 'new_room', name: 'x', members: ['alice'] })).status).toBe(201);
    expect(calls).toContain('createChannel [{"channel_id":"new_room","name":"x","members":["bob","alice"]}]');
    expect((await call('bob', 'POST', '/users/token')).body).toEqual({ ok: 'issueSdkToken' });
  });

  it('takes a file message as multipart and refuses one over the size limit (1012)', async () => {
    const form = (size: number) => {
      const boundary = 'XyZ';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nfile\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`),
        Buffer.alloc(size, 97),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return { payload: body, headers: { ...as('bob'), 'content-type': `multipart/form-data; boundary=${boundary}` } };
    };
    const ok = await http.inject({ method: 'POST', url: '/v1/sdk/group/channels/room/messages', ...form(10) });
    expect(ok.statusCode).toBe(201);
    expect(calls.some((c) => c.startsWith('sendFile ["room","bob",{"filename":"a.txt","mimetype":"text/plain"'))).toBe(true);
    const big = await http.inject({ method: 'POST', url: '/v1/sdk/group/channels/room/messages', ...form(2048) });
    expect(big.json()).toMatchObject({ status: 400, code: 1012 });
  });
});
