/**
 * Hostile input on the 0.9 protocol: garbage packets and frames over websocket and polling, bad
 * framing, oversized frames, invalid UTF-8, broken upgrades, command floods and clients that stop
 * reading. The server must not crash and the other sessions — 0.9 and 4.x — must not notice.
 */
import { connect as tcpConnect } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  accessUrl,
  collect,
  connectClient,
  connected,
  publish,
  subscribe,
  waitFor,
  type AnyClient,
  type ChannelResultMsg,
} from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';
import { sessionOf } from './support/sessions.ts';
import { connect09, handshake09, httpText, rawWsSession, transportUrl } from './legacy09-client.ts';

let tp: TestParley;
const open: Array<{ close(): void }> = [];
let bystanders: AnyClient[] = [];

const OUTBOUND_MAX = 200;

beforeAll(async () => {
    // Garbage counts towards the flood limit like any packet: the burst leaves room for one list of it,
  // and the answers to a burst of commands stay below the slow-consumer limit.
  tp = await startParley({ realtimeLimits: { eventsPerSecond: 20, eventsBurst: 100, floodDisconnectAfter: 10, outboundMax: OUTBOUND_MAX } });
});
/** Three well-behaved clients of two generations, all on the public channel `calm`. */
beforeEach(async () => {
  bystanders = [
    connect09(await accessUrl(tp, 'calm-ws', ['calm']), 'websocket'),
    connect09(await accessUrl(tp, 'calm-xhr', ['calm']), 'xhr-polling'),
    connectClient('4.x', await accessUrl(tp, 'calm-v4', ['calm'])),
  ];
  open.push(...bystanders);
  await Promise.all(bystanders.map((c) => waitFor<ChannelResultMsg>(c, 'rtcs:channel', (d) => d.type === 'subscribe_success')));
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await tp.stop();
});

/** Every bystander still gets a publish, exactly once, and is still a session. */
async function bystandersUnaffected(): Promise<void> {
  const got = bystanders.map((c) => collect(c, 'ok'));
  expect((await publish(tp, ['calm'], 'ok', { 멀쩡: true })).status).toBe(200);
  await expect.poll(() => got.map((g) => g.length)).toEqual([1, 1, 1]);
  expect(tp.parley.hub.allSessions().filter((s) => s.user.startsWith('calm-'))).toHaveLength(3);
}

const subscribePacket = (name: string, endpoint = '/socket.io/1/') => `5::${endpoint}:{"name":"rtcs:channel","args":[{"command":"subscribe","name":"${name}"}]}`;

/** Packets that are malformed, or well-formed but meaningless, none of which may hurt anyone. */
const GARBAGE = [
  '',
  'garbage',
  ':::',
  '9::',
  '5:::',
  '5:::{bad json',
  '5:::[]',
  '5:::{"name":{"toString":1}}',
  '5:::{"name":"rtcs:channel","args":{"0":1}}',
  '5::/socket.io/1/:{"name":"rtcs:channel"}',
  '5::/socket.io/1/:{"name":"rtcs:channel","args":[null]}',
  '5::/socket.io/1/:{"name":"rtcs:channel","args":["subscribe"]}',
  '5::/socket.io/1/:{"name":"rtcs:channel","args":[{"command":"subscribe","name":{"x":1}}]}',
  '5::/socket.io/1/:{"name":"rtcs:channel","args":[{"command":"subscribe","name":"x","__proto__":{"admin":true}}]}',
  '5::/elsewhere:{"name":"rtcs:channel","args":[{"command":"subscribe","name":"nope"}]}',
  '5:99999999999999999999::{"name":"x"}',
  '5:1+:/socket.io/1/:{"name":"connect","args":[]}',
  '1::/unknown',
  '0::/unknown',
  '6:::1+[',
  '6:::abc',
  '7:::',
  '7:::9+9',
  '8::',
  '3:1::message wanting an ack',
  '4:::{"json":',
  // Just under SOCKET_MESSAGE_MAX_BYTES (16 KiB): 15,004 bytes of UTF-8.
  `3:::${'한'.repeat(5_000)}`,
  '\u0000\u0001\u0002',
  '\ud800 lone surrogate',
];

describe('websocket', () => {
  it('ignores garbage frames and framed batches, and the sender keeps working', async () => {
    const { sid, ws } = await rawWsSession(await accessUrl(tp, 'attacker-ws'));
    open.push(ws);
    for (const g of GARBAGE) ws.send(g);
    // A framed batch over a websocket is dropped whole: this subscribe must have no effect.
    const framed = subscribePacket('framed_room');
    ws.send(`\ufffd${framed.length}\ufffd${framed}`);
    ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), true);
    // Still a working session: a good subscribe is answered after all of it.
    ws.send(subscribePacket('after_garbage'));
    await ws.frame((f) => f.includes('"after_garbage"') && f.includes('subscribe_success'));
    expect(ws.frames.some((f) => f.includes('framed_room'))).toBe(false);
    expect(sessionOf(tp, sid)?.channels.has('after_garbage')).toBe(true);
    // The acks a real client asks for still come.
    expect(ws.frames).toContain('6:::1');
    await bystandersUnaffected();
  });

  it('closes a connection sending an oversized frame or invalid UTF-8, and nothing else', async () => {
    const big = await rawWsSession(await accessUrl(tp, 'attacker-big'));
    open.push(big.ws);
    big.ws.send(`3:::${'x'.repeat(1024 * 1024)}`);
    expect(await big.ws.closed()).toBe(1009);

    const utf = await rawWsSession(await accessUrl(tp, 'attacker-utf8'));
    open.push(utf.ws);
    utf.ws.send(Buffer.from([0x35, 0x3a, 0x3a, 0x3a, 0xff, 0xfe]));
    expect(await utf.ws.closed()).toBe(1007);
    await bystandersUnaffected();
  });

  it('refuses broken upgrade requests without harm', async () => {
    const { port } = new URL(tp.url);
    const requests = [
      'GET /socket.io/1/websocket/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'GET /socket.io/1/websocket/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n',
      'GET /socket.io/1/websocket/../../etc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'GET /socket.io/1/websocket/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\u0000\u0001garbage',
    ];
    for (const request of requests) {
      const answer = await new Promise<string>((resolve) => {
        const sock = tcpConnect(Number(port), '127.0.0.1', () => sock.write(request));
        let data = '';
        sock.on('data', (d) => (data += d.toString('latin1')));
        sock.on('close', () => resolve(data));
        sock.on('error', () => resolve(data));
        setTimeout(() => sock.destroy(), 1000);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 (400|101)/);
    }
    await bystandersUnaffected();
  });
});

describe('polling', () => {
  it('ignores garbage packets, refuses bad framing with 400, and the sender keeps working', async () => {
    const url = await accessUrl(tp, 'attacker-xhr');
    const { sid } = await handshake09(url);
    const poll = transportUrl(url, 'xhr-polling', sid);
    expect((await httpText(poll)).text).toBe('1::');
    const post = (body: string | Uint8Array<ArrayBuffer>) => httpText(poll, { method: 'POST', body });

    expect((await post('1::/socket.io/1/')).text).toBe('1');
    for (const g of GARBAGE) {
      // A lone surrogate reaches the server as U+FFFD, the frame marker, so that body is bad framing.
      expect((await post(g)).status, JSON.stringify(g)).toBe(g.startsWith('\ud800') ? 400 : 200);
    }
    const framedGarbage = GARBAGE.map((g) => `\ufffd${g.length}\ufffd${g}`).join('');
    expect((await post(framedGarbage)).text).toBe('1');
    for (const bad of ['\ufffd', '\ufffd5\ufffd2::', '\ufffdx\ufffd2::', '\ufffd3\ufffd2::tail', `\ufffd${'9'.repeat(20)}\ufffd`]) {
      expect((await post(bad)).status, JSON.stringify(bad)).toBe(400);
    }
    // Invalid UTF-8 decodes to U+FFFD: a packet after it is still read as a packet, a leading one is framing.
    expect((await post(Uint8Array.from([0x33, 0x3a, 0x3a, 0x3a, 0xff, 0xfe]))).status).toBe(200);
    expect((await post(Uint8Array.from([0xff, 0xfe, 0x35, 0x3a, 0x3a]))).status).toBe(400);

    expect((await post(subscribePacket('polled_after_garbage'))).text).toBe('1');
    const seen: string[] = [];
    while (!seen.some((p) => p.includes('polled_after_garbage'))) seen.push((await httpText(poll)).text);
    expect(sessionOf(tp, sid)?.channels.has('polled_after_garbage')).toBe(true);

    for (const path of ['/socket.io/1/xhr-polling/' + 'a'.repeat(65), '/socket.io/1/xhr-polling/%00', '/socket.io/1/xhr-polling/a/b/c', '/socket.io/1//']) {
      expect((await httpText(`${tp.url}${path}`)).status).toBeGreaterThanOrEqual(400);
    }
    await bystandersUnaffected();
  });

  it('drops a polling client that stops collecting its packets (slow consumer)', async () => {
    const url = await accessUrl(tp, 'not-reading', ['firehose']);
    const { sid } = await handshake09(url);
    const poll = transportUrl(url, 'xhr-polling', sid);
    expect((await httpText(poll)).text).toBe('1::');
    expect((await httpText(poll, { method: 'POST', body: '1::/socket.io/1/' })).text).toBe('1');
    await expect.poll(() => sessionOf(tp, sid)?.channels.has('firehose')).toBe(true);
    // It never polls again: its buffer fills up to the limit, then the session is dropped.
    for (let i = 0; i <= OUTBOUND_MAX + 2; i++) await publish(tp, ['firehose'], 'drink', { i });
    await expect.poll(() => sessionOf(tp, sid)).toBeUndefined();
    expect((await httpText(poll)).text).toBe('7:::1+0');
    await bystandersUnaffected();
  });
});

describe('flooding', () => {
  it('kicks a 0.9 client flooding commands with a reason and 0::, so it does not reconnect', async () => {
    const flooder = connect09(await accessUrl(tp, 'flooder'), 'websocket', { reconnect: true });
    open.push(flooder);
    await connected(flooder);
    const reason = waitFor<string>(flooder, 'error');
    const gone = waitFor<string>(flooder, 'disconnect');
    for (let i = 0; i < 200; i++) flooder.emit('rtcs:channel', { command: 'subscribe', name: `f${i}` });
    expect(await reason).toMatch(/too many events/);
    expect(await gone).toBe('booted');
    await expect.poll(() => tp.parley.hub.allSessions().some((s) => s.user === 'flooder')).toBe(false);
    await bystandersUnaffected();
    // A bystander can still subscribe: only the flooder's own bucket was spent.
    expect((await subscribe(bystanders[0]!, 'still_fine')).type).toBe('subscribe_success');
  });
});
