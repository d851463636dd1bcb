/**
 * RTCS's own JavaScript client, socket.io-client 0.9.17, against Parley end to end, over websocket and
 * over xhr-polling, given the access URL verbatim: connect, granted and public channels, publishes
 * (Korean text), acks, presence shared with a 4.x client, WebAuth and webhooks on a real receiver.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import {
  accessUrl,
  api,
  collect,
  connectClient,
  connected,
  expectSilence,
  publish,
  subscribe,
  waitFor,
  type AnyClient,
  type ChannelResultMsg,
} from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';
import { publicIdOf, sessionOf } from './support/sessions.ts';
import { connect09, sio09, type Client09, type Transport09 } from './legacy09-client.ts';

let receiver: HookReceiver;
let tp: TestParley;
const open: AnyClient[] = [];

beforeAll(async () => {
  receiver = await startHookReceiver();
  tp = await startParley({ env: { APP_WEBAUTH_URL: `${receiver.url}/auth`, APP_WEBHOOK_URL: `${receiver.url}/hook` } });
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  receiver.respond = () => ({ status: 200 });
});
afterAll(async () => {
  await tp.stop();
  await receiver.close();
});

function client09(url: string, transport: Transport09): Client09 {
  const c = connect09(url, transport);
  open.push(c);
  return c;
}

/** Hooks are fire-and-forget: filter by user, and wait for them to land. */
const hooks = (type: string, user: string) => receiver.received.filter((h) => h.path === '/hook' && h.body.type === type && h.body.user === user);

it('is the real socket.io-client 0.9.17', () => {
  expect(sio09.version).toBe('0.9.17');
});

describe.each<Transport09>(['websocket', 'xhr-polling'])('socket.io-client 0.9.17 over %s', (transport) => {
  const tag = transport === 'websocket' ? 'ws' : 'xhr';

  it('connects with the access URL verbatim, joins granted channels, receives publishes in Korean', async () => {
    const lobby = `presence_lobby_${tag}`;
    const c = client09(await accessUrl(tp, `alice-${tag}`, [`private_a_${tag}`, lobby]), transport);
    const results = collect<ChannelResultMsg>(c, 'rtcs:channel');
    await connected(c);
    expect(c.nsp.socket.transport!.name).toBe(transport);
    // The client joined the namespace that the URL's path names.
    expect(c.nsp.name).toBe('/socket.io/1/');
    await expect.poll(() => results.length).toBe(2);
    expect(results.map((r) => [r.type, r.name])).toEqual([
      ['subscribe_success', `private_a_${tag}`],
      ['subscribe_success', lobby],
    ]);
    // Members see the session's public id, never the handshake's sid (which would let them poll as it).
    const sid = c.nsp.socket.sessionid!;
    expect(results[1]!.members).toEqual({ [publicIdOf(tp, sid)]: `alice-${tag}` });
    expect(publicIdOf(tp, sid)).not.toBe(sid);

    expect((await subscribe(c, `private_a_${tag}`)).type).toBe('subscribe_success');
    expect(await subscribe(c, `room-${tag}`)).toMatchObject({ type: 'subscribe_success', name: `room-${tag}` });

    const news = waitFor(c, 'news');
    expect((await publish(tp, [`private_a_${tag}`], 'news', { text: '안녕하세요, 세계', emoji: '😀', n: 1 })).status).toBe(200);
    expect(await news).toEqual({ text: '안녕하세요, 세계', emoji: '😀', n: 1 });

    const plain = waitFor(c, 'plain');
    await publish(tp, [`room-${tag}`], 'plain', '그냥 문자열');
    expect(await plain).toBe('그냥 문자열');

    // Subscribed to both channels of one publish: delivered once.
    const twice = collect(c, 'both');
    await publish(tp, [`room-${tag}`, `private_a_${tag}`], 'both', { k: '한' });
    await expect.poll(() => twice.length).toBe(1);
    await expectSilence(c, 'both', 200, () => twice.length > 1);
  });

  it('answers every result type and stops delivering after unsubscribe', async () => {
    const c = client09(await accessUrl(tp, `bob-${tag}`), transport);
    await connected(c);
    expect(await subscribe(c, 'bad name!')).toMatchObject({ type: 'subscribe_error', name: 'bad name!' });
    const unsub = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type.startsWith('unsubscribe_'));
    c.emit('rtcs:channel', { command: 'unsubscribe', name: `nothing-${tag}` });
    expect(await unsub).toMatchObject({ type: 'unsubscribe_error' });

    await subscribe(c, `gone-${tag}`);
    const done = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'unsubscribe_success');
    c.emit('rtcs:channel', { command: 'unsubscribe', name: `gone-${tag}` });
    await done;
    await publish(tp, [`gone-${tag}`], 'after', {});
    await expectSilence(c, 'after');
  });

  it('calls an emit callback once the command is answered (data ack)', async () => {
    const c = client09(await accessUrl(tp, `acker-${tag}`), transport);
    await connected(c);
    const order: string[] = [];
    c.on('rtcs:channel', (d) => order.push(`result:${(d as ChannelResultMsg).type}`));
    const acked = new Promise<unknown[]>((resolve) => {
      c.emit('rtcs:channel', { command: 'subscribe', name: `acked-${tag}` }, (...args: unknown[]) => {
        order.push('ack');
        resolve(args);
      });
    });
    expect(await acked).toEqual([]);
    expect(order).toEqual(['result:subscribe_success', 'ack']);
  });

  it('shares presence with a 4.x client: joins, leaves on disconnect, sessions and count list both', async () => {
    const channel = `presence_mixed_${tag}`;
    const modern = connectClient('4.x', await accessUrl(tp, `modern-${tag}`, [channel]));
    open.push(modern);
    const modernOk = waitFor<ChannelResultMsg>(modern, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(modern);
    await modernOk;

    const joined = waitFor<ChannelResultMsg>(modern, 'rtcs:channel', (d) => d.type === 'member_join');
    const old = client09(await accessUrl(tp, `old-${tag}`, [channel]), transport);
    const oldOk = waitFor<ChannelResultMsg>(old, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(old);
    const sid = old.nsp.socket.sessionid!;
    const oldId = publicIdOf(tp, sid);
    expect(await joined).toMatchObject({ type: 'member_join', name: channel, message: '', info: { session: oldId, user: `old-${tag}` } });
    expect(Object.values((await oldOk).members!).sort()).toEqual([`modern-${tag}`, `old-${tag}`]);

    // The 0.9 client sees the 4.x client come and go.
    const oldSawJoin = waitFor<ChannelResultMsg>(old, 'rtcs:channel', (d) => d.type === 'member_join');
    const modern2 = connectClient('4.x', await accessUrl(tp, `modern2-${tag}`, [channel]));
    open.push(modern2);
    expect((await oldSawJoin).info!.user).toBe(`modern2-${tag}`);
    const oldSawLeave = waitFor<ChannelResultMsg>(old, 'rtcs:channel', (d) => d.type === 'member_leave');
    modern2.close();
    expect((await oldSawLeave).info!.user).toBe(`modern2-${tag}`);

    const sessions = await api(tp, 'GET', `/v2/channel/${tp.appId}/sessions?channel=${channel}`);
    expect(Object.values(sessions.body as Record<string, string>).sort()).toEqual([`modern-${tag}`, `old-${tag}`]);
    expect((sessions.body as Record<string, string>)[oldId]).toBe(`old-${tag}`);
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=${channel}`)).body).toEqual({ count: 2 });

    // Both generations receive the same publish.
    const a = waitFor(modern, 'hello');
    const b = waitFor(old, 'hello');
    await publish(tp, [channel], 'hello', { 말: '안녕' });
    expect(await Promise.all([a, b])).toEqual([{ 말: '안녕' }, { 말: '안녕' }]);

    const left = waitFor<ChannelResultMsg>(modern, 'rtcs:channel', (d) => d.type === 'member_leave');
    old.close();
    expect(await left).toMatchObject({ type: 'member_leave', name: channel, info: { session: oldId, user: `old-${tag}` } });
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=${channel}`)).body).toEqual({ count: 1 });
    expect(sessionOf(tp, sid)).toBeUndefined();
  });

  it('leaving only the namespace ends the session and the socket, without a reconnect', async () => {
    const c = connect09(await accessUrl(tp, `leaver-${tag}`, [`leave_${tag}`]), transport, { reconnect: true });
    open.push(c);
    await connected(c);
    const sid = c.nsp.socket.sessionid!;
    await expect.poll(() => sessionOf(tp, sid)?.channels.has(`leave_${tag}`)).toBe(true);
    let reconnecting = false;
    c.on('reconnecting', () => (reconnecting = true));
    (c.nsp as unknown as { disconnect(): void }).disconnect();
    await expect.poll(() => sessionOf(tp, sid)).toBeUndefined();
    await expect.poll(() => c.nsp.socket.connected).toBe(false);
    await new Promise((r) => setTimeout(r, 700));
    expect(reconnecting).toBe(false);
  });

  it('sends webhooks for connect, subscribe and disconnect, and asks WebAuth for auth channels', async () => {
    const user = `hooked-${tag}`;
    receiver.respond = (h) => ({ status: h.path === '/auth' && h.body.channel === `private_no_${tag}` ? 403 : 200 });
    const c = client09(await accessUrl(tp, user), transport);
    await connected(c);
    const sid = c.nsp.socket.sessionid!;
    await expect.poll(() => hooks('connect', user).length).toBe(1);
    const id = publicIdOf(tp, sid);
    expect(hooks('connect', user)[0]!.body).toMatchObject({ app: tp.appId, session: id, detail: { origin: '' } });

    expect((await subscribe(c, `private_yes_${tag}`)).type).toBe('subscribe_success');
    const auth = receiver.received.find((h) => h.path === '/auth' && h.body.channel === `private_yes_${tag}`)!;
    expect(auth.body).toMatchObject({ type: 'subscribe', app: tp.appId, user });
    expect(await subscribe(c, `private_no_${tag}`)).toMatchObject({ type: 'subscribe_error', message: expect.stringMatching(/403/) });
    await expect.poll(() => hooks('subscribe', user).map((h) => (h.body.detail as { channel: string }).channel)).toEqual([`private_yes_${tag}`]);

    c.close();
    await expect.poll(() => hooks('disconnect', user).length).toBe(1);
    expect(hooks('disconnect', user)[0]!.body).toMatchObject({ session: id, detail: { origin: '' } });
  });
});

describe('the root endpoint', () => {
  it('a 0.9 client given the URL without the /socket.io/1/ path is one session on the socket itself', async () => {
    const url = (await accessUrl(tp, 'rooted09', ['presence_root09'])).replace('/socket.io/1/', '/');
    const c = client09(url, 'websocket');
    expect(c.nsp.name).toBe('');
    const ok = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(c);
    // Opened after the namespace grace period (500 ms by default), on endpoint ''.
    expect(Object.values((await ok).members!)).toEqual(['rooted09']);
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_root09`)).body).toEqual({ count: 1 });
    const got = waitFor(c, 'hello');
    await publish(tp, ['presence_root09'], 'hello', { 뿌리: 1 });
    expect(await got).toEqual({ 뿌리: 1 });
  });
});

describe('refusals', () => {
  it('a tampered access URL fires error with the reason and opens no session', async () => {
    const url = (await accessUrl(tp, 'mallory')).replace(/s=([0-9a-f])/, (_m, ch: string) => `s=${ch === '0' ? '1' : '0'}`);
    const c = client09(url, 'websocket');
    await expect(connected(c)).rejects.toThrow(/signature does not match/);
    expect(tp.parley.hub.allSessions().filter((s) => s.user === 'mallory')).toHaveLength(0);
  });

  it('an unknown app is refused like a bad signature, so refusals do not tell which apps exist', async () => {
    const url = (await accessUrl(tp, 'nobody')).replace('app=testapp', 'app=otherapp');
    const c = client09(url, 'xhr-polling');
    await expect(connected(c)).rejects.toThrow(/signature does not match/);
  });
});
