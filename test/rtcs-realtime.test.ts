/**
 * The realtime contract end to end with real socket.io clients of three generations, each given the
 * access URL verbatim.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  type Generation,
} from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
const open: AnyClient[] = [];

function client(generation: Generation, url: string): AnyClient {
  const c = connectClient(generation, url);
  open.push(c);
  return c;
}

beforeAll(async () => {
  tp = await startParley({ realtimeLimits: { eventsPerSecond: 20, eventsBurst: 40, floodDisconnectAfter: 30 } });
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await tp.stop();
});

describe.each<Generation>(['4.x', '2.x', '1.x'])('socket.io-client %s with the access URL verbatim', (generation) => {
  it('connects, joins granted channels at connect, receives publishes with the bare data', async () => {
    const lobby = `presence_lobby_${generation.replace('.', '')}`;
    const url = await accessUrl(tp, 'alice', ['private_a', lobby]);
    const c = client(generation, url);
    const results = collect<ChannelResultMsg>(c, 'rtcs:channel');
    await connected(c);
    await expect.poll(() => results.length).toBe(2);
    expect(results.map((r) => r.type)).toEqual(['subscribe_success', 'subscribe_success']);
    const presence = results.find((r) => r.name === lobby)!;
    expect(Object.values(presence.members!)).toEqual(['alice']);

    // Subscribing again to a granted channel also succeeds.
    expect((await subscribe(c, 'private_a')).type).toBe('subscribe_success');

    const got = waitFor(c, 'news');
    expect((await publish(tp, ['private_a'], 'news', { text: '안녕하세요', n: 1 })).status).toBe(200);
    expect(await got).toEqual({ text: '안녕하세요', n: 1 });

    const str = waitFor(c, 'plain');
    await publish(tp, ['private_a'], 'plain', 'just a string');
    expect(await str).toBe('just a string');
  });

  it('subscribes to public channels, unsubscribes, and answers every result type', async () => {
    const c = client(generation, await accessUrl(tp, 'bob'));
    await connected(c);
    expect(await subscribe(c, 'room-1')).toMatchObject({ type: 'subscribe_success', name: 'room-1' });
    expect(await subscribe(c, 'bad name!')).toMatchObject({ type: 'subscribe_error', name: 'bad name!' });
    // An auth channel that was not granted, with no WebAuth URL configured, is refused.
    const refused = await subscribe(c, 'private_x');
    expect(refused.type).toBe('subscribe_error');
    expect(refused.message).toMatch(/not authorised/);

    const unsub = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type.startsWith('unsubscribe_'));
    c.emit('rtcs:channel', { command: 'unsubscribe', name: 'room-1' });
    expect(await unsub).toMatchObject({ type: 'unsubscribe_success', name: 'room-1' });
    const again = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type.startsWith('unsubscribe_'));
    c.emit('rtcs:channel', { command: 'unsubscribe', name: 'room-1' });
    expect(await again).toMatchObject({ type: 'unsubscribe_error', name: 'room-1' });

    // After unsubscribing, publishes to the channel no longer arrive.
    expect((await publish(tp, ['room-1'], 'after', { n: 1 })).status).toBe(200);
    await expectSilence(c, 'after');

    const bad = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'subscribe_error' && d.name === 'zz');
    c.emit('rtcs:channel', { command: 'explode', name: 'zz' });
    expect((await bad).message).toMatch(/command/);
  });
});

describe('EIO3 clients on the root namespace', () => {
  it('a 2.x client given the URL without the /socket.io/1/ path is one session on /', async () => {
    const url = (await accessUrl(tp, 'rooted', ['presence_root'])).replace('/socket.io/1/', '/');
    const c = client('2.x', url);
    const ok = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(c);
    expect(Object.values((await ok).members!)).toEqual(['rooted']);
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_root`)).body).toEqual({ count: 1 });
    const got = waitFor(c, 'hello');
    await publish(tp, ['presence_root'], 'hello', { a: 1 });
    expect(await got).toEqual({ a: 1 });
  });
});

describe('presence', () => {
  it('announces joins and leaves (including disconnects) to the other sessions across client generations', async () => {
    const a = client('4.x', await accessUrl(tp, 'ann', ['presence_p1']));
    const aOk = waitFor<ChannelResultMsg>(a, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(a);
    await aOk;

    const joined = waitFor<ChannelResultMsg>(a, 'rtcs:channel', (d) => d.type === 'member_join');
    const b = client('2.x', await accessUrl(tp, 'ben', ['presence_p1']));
    const bOk = waitFor<ChannelResultMsg>(b, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(b);
    const join = await joined;
    expect(join).toMatchObject({ type: 'member_join', name: 'presence_p1', message: '', info: { user: 'ben' } });
    const bResult = await bOk;
    expect(Object.values(bResult.members!).sort()).toEqual(['ann', 'ben']);
    expect(bResult.members![join.info!.session]).toBe('ben');

    const sessions = await api(tp, 'GET', `/v2/channel/${tp.appId}/sessions?channel=presence_p1`);
    expect(sessions.status).toBe(200);
    expect(Object.values(sessions.body as Record<string, string>).sort()).toEqual(['ann', 'ben']);
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_p1`)).body).toEqual({ count: 2 });
    expect((await api(tp, 'GET', `/exists/${tp.appId}?channel=presence_p1`)).body).toEqual({ occupied: true });

    // The joiner does not get its own join.
    await expectSilence(b, 'rtcs:channel', 200, (d) => (d as ChannelResultMsg).type === 'member_join');

    const left = waitFor<ChannelResultMsg>(a, 'rtcs:channel', (d) => d.type === 'member_leave');
    b.close();
    expect(await left).toMatchObject({ type: 'member_leave', name: 'presence_p1', info: { session: join.info!.session, user: 'ben' } });
    await expect.poll(async () => (await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_p1`)).body).toEqual({ count: 1 });
  });

  it('member_ channels are queryable but do not announce joins', async () => {
    const a = client('4.x', await accessUrl(tp, 'm1', ['member_m']));
    const aOk = waitFor<ChannelResultMsg>(a, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(a);
    await aOk;
    const b = client('4.x', await accessUrl(tp, 'm2', ['member_m']));
    const bOk = waitFor<ChannelResultMsg>(b, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(b);
    expect(Object.values((await bOk).members!).sort()).toEqual(['m1', 'm2']);
    await expectSilence(a, 'rtcs:channel', 200);
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=member_m`)).body).toEqual({ count: 2 });
  });
});

describe('delivery', () => {
  it('delivers each publish exactly once per session, in publish order per channel', async () => {
    const c = client('4.x', await accessUrl(tp, 'order'));
    await connected(c);
    await subscribe(c, 'ord-a');
    await subscribe(c, 'ord-b');
    const got = collect<{ i: number }>(c, 'seq');
    // Listed channels overlap for this session: it must still receive each publish once.
    for (let i = 0; i < 50; i++) await publish(tp, ['ord-a', 'ord-b'], 'seq', { i });
    await expect.poll(() => got.length).toBe(50);
    await expectSilence(c, 'seq', 200);
    expect(got.map((g) => g.i)).toEqual([...Array(50).keys()]);
  });

  it('keeps order under concurrent publishes to one channel', async () => {
    const c = client('4.x', await accessUrl(tp, 'conc'));
    await connected(c);
    await subscribe(c, 'conc');
    const got = collect<{ i: number }>(c, 'n');
    const statuses = await Promise.all([...Array(100).keys()].map((i) => publish(tp, ['conc'], 'n', { i }).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await expect.poll(() => got.length).toBe(100);
    expect(new Set(got.map((g) => g.i)).size).toBe(100);
  });

  it('never delivers one app’s publishes to another app’s sessions', async () => {
    const other = await tp.parley.apps.create('otherapp', { apiKey: 'other-key' });
    const mine = client('4.x', await accessUrl(tp, 'mine'));
    const theirs = client('4.x', await accessUrl(tp, 'theirs', [], other.id, other.apiKey));
    await Promise.all([connected(mine), connected(theirs)]);
    await subscribe(mine, 'shared');
    await subscribe(theirs, 'shared');
    await subscribe(theirs, 'presence_shared');
    const got = waitFor(mine, 'ev');
    expect((await publish(tp, ['shared'], 'ev', 'for testapp')).status).toBe(200);
    expect(await got).toBe('for testapp');
    await expectSilence(theirs, 'ev');
    // Nor do its presence and counts leak.
    expect((await api(tp, 'GET', `/v2/channel/${tp.appId}/count?channel=presence_shared`)).body).toEqual({ count: 0 });
    expect((await api(tp, 'GET', `/exists/${tp.appId}?channel=presence_shared`)).body).toEqual({ occupied: false });
    // And another app's key cannot publish as this app.
    expect((await publish(tp, ['shared'], 'ev', 'x', tp.appId, other.apiKey)).status).toBe(401);
  });
});

describe('refused connections', () => {
  async function refusal(url: string): Promise<string> {
    const c = client('4.x', url);
    try {
      await connected(c);
      return 'connected';
    } catch (err) {
      return (err as Error).message;
    }
  }

  it('refuses a tampered URL with a reason', async () => {
    const url = new URL(await accessUrl(tp, 'eve', ['private_a']));
    const d = JSON.parse(Buffer.from(url.searchParams.get('d')!, 'base64url').toString());
    d.channels = ['private_secret'];
    url.searchParams.set('d', Buffer.from(JSON.stringify(d)).toString('base64url'));
    expect(await refusal(url.toString())).toMatch(/signature/);
  });

  it('refuses an expired URL with a reason', async () => {
    const short = await startParley({ env: { ACCESS_URL_TTL_S: '1' } });
    try {
      const url = await accessUrl(short, 'late');
      await new Promise((r) => setTimeout(r, 2100));
      expect(await refusal(url)).toMatch(/expired/);
    } finally {
      await short.stop();
    }
  });

  it('refuses an unknown app as it refuses a bad signature (no app enumeration), and a URL without parameters', async () => {
    const url = new URL(await accessUrl(tp, 'x'));
    url.searchParams.set('app', 'nosuchapp');
    expect(await refusal(url.toString())).toMatch(/signature does not match/);
    expect(await refusal(`${tp.url}/socket.io/1/`)).toMatch(/lacks the app/);
  });
});

describe('flood protection', () => {
  it('answers a subscribe flood with errors, then disconnects with a reason, and the server keeps serving', async () => {
    const c = client('4.x', await accessUrl(tp, 'flooder'));
    await connected(c);
    const results = collect<ChannelResultMsg>(c, 'rtcs:channel');
    const reason = waitFor<string>(c, 'error', () => true, 8000);
    const gone = waitFor(c, 'disconnect', () => true, 8000);
    for (let i = 0; i < 500; i++) c.emit('rtcs:channel', { command: 'subscribe', name: `flood-${i}` });
    expect(await reason).toMatch(/flood/);
    await gone;
    expect(results.some((r) => r.type === 'subscribe_error' && /too many/.test(r.message))).toBe(true);

    const ok = client('4.x', await accessUrl(tp, 'fine'));
    await connected(ok);
    expect((await subscribe(ok, 'after-flood')).type).toBe('subscribe_success');
  });

  it('caps subscriptions per session', async () => {
    const capped = await startParley({ realtimeLimits: { subscriptionsPerSession: 3 } });
    try {
      const c = connectClient('4.x', await accessUrl(capped, 'cap'));
      open.push(c);
      await connected(c);
      for (const n of ['c1', 'c2', 'c3']) expect((await subscribe(c, n)).type).toBe('subscribe_success');
      const fourth = await subscribe(c, 'c4');
      expect(fourth.type).toBe('subscribe_error');
      expect(fourth.message).toMatch(/limit of 3/);
    } finally {
      await capped.stop();
    }
  });
});
