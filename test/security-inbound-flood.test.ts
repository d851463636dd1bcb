/**
 * Finding 6, socket events other than `rtcs:channel` are not rate-limited. Every inbound packet — any
 * event name on RTCS sockets of every generation (4.x, 2.x, 1.x) and on chat sockets, every 0.9 packet
 * type over websocket and xhr-polling — takes a token from the session's bucket (SOCKET_EVENTS_PER_S,
 * SOCKET_EVENTS_BURST); after 100 refused packets the session is cut with the `error` event
 * "too many events: flood protection" (0.9: that event packet, then `0::`) and counted in /metrics. A
 * packet larger than SOCKET_MESSAGE_MAX_BYTES (default 16 KiB) ends the connection instead of being
 * processed (0.9: POST → 413, websocket frame → close 1009). Legitimate clients at normal pace are
 * never cut.
 */
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelCommand09, connect09, framed09, handshake09, httpText, rawWsSession, transportUrl, until, type Client09 } from './legacy09-client.ts';
import { platformClient } from './support/chat-engines.ts';
import { channelAnswers09, cut09, floodBound, floodUntilCut, FLOOD_REASON, pollingFlooder09, websocketFlooder09, type Flooder09, type FloodOutcome } from './support/flood.ts';
import { FLOOD_DROPS, metricValue } from './support/metrics-scrape.ts';
import { accessUrl, collect, connectClient, connected, publish, subscribe, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

/** Packets a flooder may have sent after the server cut it and before it saw the cut. */
const IN_FLIGHT_SLACK = 100;

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function server(env: Record<string, string> = {}): Promise<TestParley> {
  // Short 0.9 polls so that held GETs end with the test; REST limits off (the floods are on sockets).
  const tp = await startParley({ env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', ...env }, legacy09: { pollingDurationMs: 1000 } });
  cleanups.push(() => tp.stop());
  return tp;
}

function track<T extends { close(): void }>(c: T): T {
  cleanups.push(() => c.close());
  return c;
}

/** A chat socket as the SDK opens it: socket.io 4.x with `auth: {app_id, user_id, token}`. */
async function chatSocket(tp: TestParley, userId: string): Promise<AnyClient> {
  const call = platformClient(tp.url, tp.appId, tp.apiKey);
  await call('POST', '/v1/users', { user_id: userId, name: userId });
  const token = (await call<{ token: string }>('POST', `/v1/users/${userId}/token`, {})).body.token;
  const socket = io(tp.url, { auth: { app_id: tp.appId, user_id: userId, token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const client: AnyClient = {
    generation: 'chat',
    on: (e, l) => void socket.on(e, l),
    off: (e, l) => void socket.off(e, l),
    emit: (e, ...a) => void socket.emit(e, ...a),
    close: () => void socket.disconnect(),
  };
  await connected(client);
  return track(client);
}

interface SioKind {
  name: string;
  open(tp: TestParley, user: string): Promise<AnyClient>;
}

const SIO_KINDS: SioKind[] = (['4.x', '2.x', '1.x'] as const).map((g) => ({
  name: `${g} websocket`,
  async open(tp, user) {
    const c = track(connectClient(g, await accessUrl(tp, user), ['websocket']));
    await connected(c);
    return c;
  },
}));
const CHAT_KIND: SioKind = { name: 'chat socket', open: chatSocket };

/** Event names a flooder rotates through: none of them is `rtcs:channel`. */
const JUNK_EVENTS = ['chat', 'typing', 'hello', 'x'];

/** A flood of junk events from a socket.io client, until the server cuts it. */
async function floodSocketIo(c: AnyClient): Promise<FloodOutcome & { errors: unknown[] }> {
  const errors = collect<unknown>(c, 'error');
  let disconnected = false;
  c.on('disconnect', () => (disconnected = true));
  const outcome = await floodUntilCut(
    (first, count) => {
      for (let i = first; i < first + count; i++) c.emit(JUNK_EVENTS[i % JUNK_EVENTS.length]!, { n: i });
    },
    () => disconnected && errors.includes(FLOOD_REASON),
  );
  return { ...outcome, errors };
}

/** Every 0.9 packet type the contract names, none of which ends a session by itself. */
const PACKETS_09: Array<[string, (i: number) => string]> = [
  ['event', (i) => `5::/socket.io/1/:{"name":"chat","args":[${i}]}`],
  ['event with an ack id', (i) => `5:${i + 1}::/socket.io/1/:{"name":"chat","args":[]}`],
  ['message', (i) => `3::/socket.io/1/:hello ${i}`],
  ['json', (i) => `4::/socket.io/1/:{"n":${i}}`],
  ['ack', (i) => `6:::${i + 1}`],
  ['heartbeat', () => '2::'],
  ['noop', () => '8::'],
  ['connect of an unknown endpoint', (i) => `1::/elsewhere${i % 7}`],
  ['disconnect of an unknown endpoint', () => '0::/elsewhere'],
];

/** A 0.9 flooder of either transport, closed with the file. */
async function flooder09(tp: TestParley, transport: 'websocket' | 'xhr-polling', user: string): Promise<Flooder09> {
  const url = await accessUrl(tp, user);
  return track(await (transport === 'websocket' ? websocketFlooder09(url) : pollingFlooder09(url)));
}

function flood09(s: Flooder09, packet: (i: number) => string): Promise<FloodOutcome> {
  return floodUntilCut(
    (first, count) => s.send(Array.from({ length: count }, (_, k) => packet(first + k))),
    () => cut09(s.received()),
  );
}

function figure(kind: string, o: FloodOutcome): string {
  return `${kind}: ${o.cut ? 'cut' : 'NOT cut'} after ${o.sent} packets in ${o.ms} ms (${Math.round((o.sent * 1000) / Math.max(o.ms, 1))}/s; bound ${floodBound(o.ms)})`;
}

describe('floods of packets other than rtcs:channel, at the default limits (50/s, bursts of 200)', () => {
  let tp: TestParley;
  let calm: AnyClient;
  let calm09: Client09;
  let pace: NodeJS.Timeout;
  const calmDisconnects: string[] = [];

  beforeAll(async () => {
    tp = await server();
    // Two legitimate clients on one channel, sending an event every 100 ms throughout.
    calm = track(connectClient('4.x', await accessUrl(tp, 'calm', ['lobby']), ['websocket']));
    calm09 = track(connect09(await accessUrl(tp, 'calm09', ['lobby']), 'xhr-polling'));
    for (const c of [calm, calm09]) {
      const ok = waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'subscribe_success');
      await connected(c);
      await ok;
      c.on('disconnect', () => calmDisconnects.push(c.generation));
    }
    pace = setInterval(() => {
      calm.emit('chat', { pace: 'normal' });
      calm09.emit('chat', { pace: 'normal' });
    }, 100);
    cleanups.push(() => clearInterval(pace));
  });

  /** The legitimate clients were never cut and still get a publication, once. */
  async function calmUnaffected(): Promise<void> {
    const a = collect(calm, 'news');
    const b = collect(calm09, 'news');
    expect((await publish(tp, ['lobby'], 'news', { still: 'here' })).status).toBe(200);
    await expect.poll(() => [a.length, b.length], { timeout: 5000 }).toEqual([1, 1]);
    expect(calmDisconnects).toEqual([]);
  }

  it(`socket.io sockets (${[...SIO_KINDS, CHAT_KIND].map((k) => k.name).join(', ')}) are cut with "${FLOOD_REASON}" within burst + refill + 100 events`, async () => {
    const dropsBefore = await metricValue(tp.url, FLOOD_DROPS);
    const kinds = [...SIO_KINDS, CHAT_KIND];
    const results = await Promise.all(kinds.map(async (k, i) => ({ kind: k.name, ...(await floodSocketIo(await k.open(tp, `flooder${i}`))) })));
    for (const r of results) console.log(`flood ${figure(r.kind, r)}`);
    expect(results.map((r) => ({ kind: r.kind, cut: r.cut, withinBound: r.sent <= floodBound(r.ms) + IN_FLIGHT_SLACK }))).toEqual(kinds.map((k) => ({ kind: k.name, cut: true, withinBound: true })));
    expect((await metricValue(tp.url, FLOOD_DROPS)) - dropsBefore).toBe(kinds.length);
    await calmUnaffected();
  });

  it.each(['websocket', 'xhr-polling'] as const)('0.9 over %s: every packet type is cut with the error event and 0:: within burst + refill + 100 packets', async (transport) => {
    const dropsBefore = await metricValue(tp.url, FLOOD_DROPS);
    const results = await Promise.all(
      PACKETS_09.map(async ([type, packet], i) => {
        const session = await flooder09(tp, transport, `flood09-${transport}-${i}`);
        return { type, ...(await flood09(session, packet)) };
      }),
    );
    for (const r of results) console.log(`flood 0.9 ${transport} ${figure(r.type, r)}`);
    expect(results.map((r) => ({ type: r.type, cut: r.cut, withinBound: r.sent <= floodBound(r.ms) + IN_FLIGHT_SLACK }))).toEqual(PACKETS_09.map(([type]) => ({ type, cut: true, withinBound: true })));
    expect((await metricValue(tp.url, FLOOD_DROPS)) - dropsBefore).toBe(PACKETS_09.length);
    await calmUnaffected();
  });
});

describe('one bucket for every packet (SOCKET_EVENTS_PER_S=1: no refill to speak of)', () => {
  let tp: TestParley;
  beforeAll(async () => {
    tp = await server({ SOCKET_EVENTS_PER_S: '1', SOCKET_EVENTS_BURST: '200' });
  });

  it('250 junk packets leave no token for the rtcs:channel subscribe after them: it is refused and subscribes nothing', async () => {
    const rows: Array<{ kind: string; probe: string; subscribed: boolean }> = [];
    for (const [i, k] of SIO_KINDS.entries()) {
      const c = await k.open(tp, `sharer${i}`);
      for (let n = 0; n < 250; n++) c.emit(JUNK_EVENTS[n % JUNK_EVENTS.length]!, { n });
      const probe = `probe_${i}`;
      const answer = await subscribe(c, probe);
      rows.push({ kind: k.name, probe: `${answer.type}: ${answer.message}`, subscribed: tp.parley.hub.count(tp.appId, probe) > 0 });
    }
    for (const transport of ['websocket', 'xhr-polling'] as const) {
      const s = await flooder09(tp, transport, `sharer09-${transport}`);
      // Every packet type in turn, 250 of them, then the subscribe.
      const junk = Array.from({ length: 250 }, (_, n) => PACKETS_09[n % PACKETS_09.length]![1](n));
      const probe = `probe09_${transport.replace('-', '_')}`;
      for (let n = 0; n < junk.length; n += 25) await s.send(junk.slice(n, n + 25));
      await s.send([channelCommand09('subscribe', probe)]);
      const answer = await until(() => channelAnswers09(s.received()).find((a) => a.name === probe), 5000, `no answer for ${probe}`);
      rows.push({ kind: `0.9 ${transport}`, probe: `${answer.type}: ${answer.message}`, subscribed: tp.parley.hub.count(tp.appId, probe) > 0 });
    }
    expect(rows).toEqual(rows.map((r) => ({ ...r, probe: expect.stringMatching(/^subscribe_error: too many requests/), subscribed: false })));
  });
});

describe('SOCKET_MESSAGE_MAX_BYTES: an oversized packet ends the connection instead of being processed', () => {
  let tp: TestParley;
  let small: TestParley;
  beforeAll(async () => {
    tp = await server();
    small = await server({ SOCKET_MESSAGE_MAX_BYTES: '4096' });
  });

  let probes = 0;
  /** Sends a subscribe carrying `padBytes` of padding: answered (processed) or the connection ended. */
  function sizedSubscribe(c: AnyClient, padBytes: number): Promise<string> {
    const name = `sized_${++probes}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('neither answered nor ended'), 3000);
      c.on('rtcs:channel', (d) => {
        if ((d as ChannelResultMsg).name !== name) return;
        clearTimeout(timer);
        resolve('processed');
      });
      c.on('disconnect', () => {
        clearTimeout(timer);
        resolve('ended');
      });
      c.emit('rtcs:channel', { command: 'subscribe', name, pad: 'p'.repeat(padBytes) });
    });
  }

  /** A chat socket has no command to answer: it is still connected after a while, or it was ended. */
  function sizedChatEvent(c: AnyClient, padBytes: number): Promise<string> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('processed'), 1500);
      c.on('disconnect', () => {
        clearTimeout(timer);
        resolve('ended');
      });
      c.emit('typing', { channel_id: 'nowhere', typing: true, pad: 'p'.repeat(padBytes) });
    });
  }

  it('socket.io sockets of every generation and chat sockets: 8 KB passes; 20 KB and 900 KB end the connection (default 16 KiB)', async () => {
    const kinds: SioKind[] = [
      ...SIO_KINDS,
      {
        name: '4.x polling',
        async open(t, user) {
          const c = track(connectClient('4.x', await accessUrl(t, user), ['polling']));
          await connected(c);
          return c;
        },
      },
    ];
    const rows: Array<{ kind: string; bytes: number; outcome: string }> = [];
    let n = 0;
    for (const bytes of [8 * 1024, 20 * 1024, 900 * 1024]) {
      for (const k of kinds) rows.push({ kind: k.name, bytes, outcome: await sizedSubscribe(await k.open(tp, `sized${++n}`), bytes) });
      rows.push({ kind: CHAT_KIND.name, bytes, outcome: await sizedChatEvent(await CHAT_KIND.open(tp, `sizedchat${++n}`), bytes) });
    }
    expect(rows).toEqual(rows.map((r) => ({ ...r, outcome: r.bytes < 16 * 1024 ? 'processed' : 'ended' })));
  });

  it('0.9: a POST body over the limit is refused with 413 and a websocket frame over it closes with 1009, unprocessed', async () => {
    const rows: Array<{ what: string; outcome: string }> = [];
    for (const bytes of [8 * 1024, 20 * 1024, 900 * 1024]) {
      const url = await accessUrl(tp, `post09-${bytes}`);
      const { sid } = await handshake09(url);
      const poll = transportUrl(url, 'xhr-polling', sid);
      expect((await httpText(poll)).text).toBe('1::');
      const name = `posted_${bytes}`;
      const body = framed09(['1::/socket.io/1/', `5::/socket.io/1/:${JSON.stringify({ name: 'rtcs:channel', args: [{ command: 'subscribe', name, pad: 'p'.repeat(bytes) }] })}`]);
      const r = await httpText(poll, { method: 'POST', body }).catch((err: unknown) => ({ status: 0, text: String(err) }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows.push({ what: `POST of ${bytes} bytes`, outcome: `${r.status}${tp.parley.hub.count(tp.appId, name) > 0 ? ', subscribed' : ''}` });

      const { ws } = await rawWsSession(await accessUrl(tp, `ws09-${bytes}`));
      track(ws);
      const wsName = `framed_${bytes}`;
      ws.send(`5::/socket.io/1/:${JSON.stringify({ name: 'rtcs:channel', args: [{ command: 'subscribe', name: wsName, pad: 'p'.repeat(bytes) }] })}`);
      const closed = await ws.closed(1000).catch(() => undefined);
      rows.push({ what: `frame of ${bytes} bytes`, outcome: `${closed === undefined ? 'open' : `closed ${closed}`}${tp.parley.hub.count(tp.appId, wsName) > 0 ? ', subscribed' : ''}` });
    }
    expect(rows).toEqual([
      { what: 'POST of 8192 bytes', outcome: '200, subscribed' },
      { what: 'frame of 8192 bytes', outcome: 'open, subscribed' },
      { what: 'POST of 20480 bytes', outcome: '413' },
      { what: 'frame of 20480 bytes', outcome: 'closed 1009' },
      { what: 'POST of 921600 bytes', outcome: '413' },
      { what: 'frame of 921600 bytes', outcome: 'closed 1009' },
    ]);
  });

  it('SOCKET_MESSAGE_MAX_BYTES=4096 is honoured: 3 KB passes, 5 KB ends a 4.x connection and is a 413 for a 0.9 POST', async () => {
    const c1 = await SIO_KINDS[0]!.open(small, 'smallok');
    const c2 = await SIO_KINDS[0]!.open(small, 'smallbig');
    const url = await accessUrl(small, 'small09');
    const { sid } = await handshake09(url);
    const poll = transportUrl(url, 'xhr-polling', sid);
    expect((await httpText(poll)).text).toBe('1::');
    const post = await httpText(poll, { method: 'POST', body: `3::/socket.io/1/:${'p'.repeat(5 * 1024)}` });
    expect({ small: await sizedSubscribe(c1, 3 * 1024), big: await sizedSubscribe(c2, 5 * 1024), post: post.status }).toEqual({ small: 'processed', big: 'ended', post: 413 });
  });
});
