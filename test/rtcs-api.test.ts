/** Every path of the RTCS Service API, including each error: status codes and the `{code, message}` body. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
beforeAll(async () => {
  tp = await startParley();
});
afterAll(async () => {
  await tp.stop();
});

const access = (body: unknown, headers?: Record<string, string>) => api(tp, 'POST', `/v2/auth/${tp.appId}/access`, body, headers);
const event = (body: unknown, headers?: Record<string, string>) => api(tp, 'POST', `/v2/event/${tp.appId}/channel`, body, headers);

function expectError(res: { status: number; body: unknown }, status: number, message?: RegExp) {
  expect(res.status).toBe(status);
  const body = res.body as { code: number; message: string };
  expect(body.code).toBe(status);
  expect(typeof body.message).toBe('string');
  if (message) expect(body.message).toMatch(message);
}

describe('access', () => {
  it('returns a signed URL under PUBLIC_URL, also under /tc-pusher', async () => {
    for (const prefix of ['', '/tc-pusher']) {
      const res = await api(tp, 'POST', `${prefix}/v2/auth/${tp.appId}/access`, { user: 'u', channels: ['private_x'], via: 'android' });
      expect(res.status).toBe(200);
      const { url, app } = res.body as { url: string; app: string };
      expect(app).toBe(tp.appId);
      const u = new URL(url);
      expect(`${u.origin}${u.pathname}`).toBe(`${tp.url}/socket.io/1/`);
      expect([...u.searchParams.keys()]).toEqual(['app', 'ts', 's', 'd', 't']);
      expect(JSON.parse(Buffer.from(u.searchParams.get('d')!, 'base64url').toString())).toEqual({ user: 'u', channels: ['private_x'], via: 'android' });
    }
  });

  it('accepts the key in APP_API_KEY too', async () => {
    const res = await api(tp, 'POST', `/v2/auth/${tp.appId}/access`, { user: 'u' }, { 'x-nhn-apikey': '', APP_API_KEY: tp.apiKey });
    expect(res.status).toBe(200);
  });

  it('401: missing key, wrong key, unknown app', async () => {
    expectError(await access({ user: 'u' }, { 'x-nhn-apikey': '' }), 401, /missing/);
    expectError(await access({ user: 'u' }, { 'x-nhn-apikey': 'wrong' }), 401);
    expectError(await api(tp, 'POST', '/v2/auth/nosuchapp/access', { user: 'u' }), 401);
    // Authentication comes before parsing: a bad body from a stranger still gets 401.
    expectError(await access('{not json', { 'x-nhn-apikey': 'wrong' }), 401);
  });

  it('400: bad JSON, missing or mistyped user, user over 200 bytes, more than 3 channels, bad names', async () => {
    expectError(await access('{not json'), 400);
    expectError(await access({}), 400, /user/);
    expectError(await access({ user: 5 }), 400, /user/);
    expectError(await access({ user: '가'.repeat(67) }), 400, /200 bytes/); // 201 bytes
    expect((await access({ user: '가'.repeat(66) })).status).toBe(200); // 198 bytes
    expectError(await access({ user: 'u', channels: ['a', 'b', 'c', 'd'] }), 400, /at most 3/);
    expectError(await access({ user: 'u', channels: ['bad name'] }), 400, /channels\[0\]/);
    expectError(await access({ user: 'u', channels: ['x'.repeat(201)] }), 400, /200 bytes/);
    expectError(await access({ user: 'u', channels: ['private_'] }), 400, /bare prefix/);
    expectError(await access({ user: 'u', channels: 'a' }), 400, /channels/);
  });
});

describe('event', () => {
  it('accepts a publish and names the accepting node', async () => {
    const res = await event({ channels: ['a', 'b'], event: 'e', data: { user: 'aa', message: 'hahahah' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: tp.parley.node.nodeId, app: tp.appId });
    expect((await api(tp, 'POST', `/tc-pusher/v2/event/${tp.appId}/channel`, { channels: ['a'], event: 'e', data: 's' })).status).toBe(200);
  });

  it('400: bad JSON, no channels, more than 100, bad names, reserved and empty events, bad data types', async () => {
    expectError(await event('{"channels":'), 400);
    expectError(await event({ channels: [], event: 'e', data: 's' }), 400, /1 to 100/);
    const many = [...Array(101).keys()].map((i) => `c${i}`);
    expectError(await event({ channels: many, event: 'e', data: 's' }), 400, /1 to 100/);
    expect((await event({ channels: many.slice(0, 100), event: 'e', data: 's' })).status).toBe(200);
    expectError(await event({ channels: ['ok', 'not ok'], event: 'e', data: 's' }), 400, /channels\[1\]/);
    for (const reserved of ['rtcs:channel', 'connect', 'disconnect', 'error', 'message']) {
      expectError(await event({ channels: ['a'], event: reserved, data: 's' }), 400, /reserved/);
    }
    expectError(await event({ channels: ['a'], event: '', data: 's' }), 400, /event/);
    expectError(await event({ channels: ['a'], event: 'e', data: 5 }), 400, /data/);
    expectError(await event({ channels: ['a'], event: 'e' }), 400, /data/);
    expectError(await event({ channels: ['a'], data: 's' }), 400, /event/);
  });

  it('413 for data of 1 MB or more, string or object; just under passes', async () => {
    const MB = 1024 * 1024;
    expectError(await event({ channels: ['a'], event: 'e', data: 'x'.repeat(MB) }), 413);
    expectError(await event({ channels: ['a'], event: 'e', data: { v: 'x'.repeat(MB) } }), 413);
    expect((await event({ channels: ['a'], event: 'e', data: 'x'.repeat(MB - 1) })).status).toBe(200);
    // Far over any limit: the body itself is refused with the same envelope.
    expectError(await event({ channels: ['a'], event: 'e', data: 'x'.repeat(3 * MB) }), 413);
  });
});

describe('exists, sessions, count', () => {
  it('answers for empty channels and refuses non-listed kinds for sessions and count', async () => {
    expect((await api(tp, 'GET', `/exists/${tp.appId}?channel=nobody`)).body).toEqual({ occupied: false });
    expect((await api(tp, 'GET', `/tc-pusher/exists/${tp.appId}?channel=nobody`)).body).toEqual({ occupied: false });
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/sessions?channel=presence_none`)).body).toEqual({});
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=member_none`)).body).toEqual({ count: 0 });
    expectError(await api(tp, 'GET', `/v2/channel/${tp.appId}/sessions?channel=public1`), 400, /presence_ and member_/);
    expectError(await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=private_1`), 400, /presence_ and member_/);
    expectError(await api(tp, 'GET', `/v2/channel/${tp.appId}/count`), 400, /channel/);
    expectError(await api(tp, 'GET', `/exists/${tp.appId}?channel=bad%20name`), 400);
    expectError(await api(tp, 'GET', `/exists/${tp.appId}?channel=x`, undefined, { 'x-nhn-apikey': 'nope' }), 401);
  });
});

describe('health and draining', () => {
  it('answers /health and /ready, then 503 for the API while shutting down', async () => {
    const short = await startParley();
    expect((await fetch(`${short.url}/health`)).status).toBe(200);
    expect((await fetch(`${short.url}/ready`)).status).toBe(200);
    short.parley.drain();
    // While draining, the API refuses at once with the RTCS envelope; liveness still answers.
    expectError(await api(short, 'POST', `/v2/event/${short.appId}/channel`, { channels: ['a'], event: 'e', data: 's' }), 503, /shutting down/);
    expectError(await api(short, 'POST', `/v2/auth/${short.appId}/access`, { user: 'u' }), 503);
    expect((await fetch(`${short.url}/health`)).status).toBe(200);
    const ready = await fetch(`${short.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { node: 'draining', storage: 'ok' } });
    await short.stop();
  });
});
