/**
 * Finding 2, out-of-memory from stalled sessions: every outbound queue is bounded in bytes
 * (OUTBOUND_BUFFER_MAX_BYTES) as well as in count (OUTBOUND_BUFFER_MAX). A client of any transport that
 * stops polling or reading — 0.9 xhr/jsonp/websocket, EIO3 and EIO4 polling and websocket, a chat
 * socket — is dropped as a slow consumer by bytes while the count limit is far away (counted in
 * /metrics, its connection ended), and one 0.9 poll answers at most 1 MiB of packets, the rest staying
 * queued in order. (The crash scenario itself: security-stalled-sessions.test.ts.)
 */
import type { Socket as NetSocket } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload } from '../packages/server/src/legacy09/codec.ts';
import { channelCommand09, framed09, handshake09, httpText, rawWsSession, stalledSession09, transportUrl } from './legacy09-client.ts';
import { platformClient } from './support/chat-engines.ts';
import { RawEngineSocket, RawPolling, type EioVersion } from './support/engineio-raw.ts';
import { metricValue, SLOW_CONSUMER_DROPS } from './support/metrics-scrape.ts';
import { accessUrl, collect, connectClient, connected, publish, subscribe } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const NOT_HANDSHAKEN = '7:::1+0';
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A client that subscribes, then stops taking what the server sends. */
interface Stalled {
  /** After the flood: how its connection looks — 'ended' when the server ended it. */
  ended(): Promise<string>;
}

interface SlowKind {
  name: string;
  open(tp: TestParley, user: string, channel: string): Promise<Stalled>;
}

async function enginePolling(tp: TestParley, user: string, channel: string, eio: EioVersion, namespace: string): Promise<Stalled> {
  const client = await RawPolling.open(await accessUrl(tp, user), eio, namespace);
  await client.emit('rtcs:channel', { command: 'subscribe', name: channel });
  const seen: string[] = [];
  while (!seen.some((p) => p.includes('subscribe_success'))) seen.push(...(await client.get()).packets);
  return {
    async ended() {
      const r = await client.get(3000).catch((err: unknown) => ({ status: 0, text: String(err), packets: [] as string[] }));
      // engine.io forgot the sid (400), or the poll carries the close / disconnect packet.
      if (r.status === 400 || r.packets.some((p) => p === '1' || p.startsWith('41'))) return 'ended';
      return `poll answered ${r.status} with ${r.packets.length} packets, ${r.text.length} characters`;
    },
  };
}

async function engineWebSocket(tp: TestParley, user: string, channel: string, eio: EioVersion, namespace: string): Promise<Stalled> {
  const client = await RawEngineSocket.open(await accessUrl(tp, user), eio, namespace);
  cleanups.push(() => client.close());
  client.emit('rtcs:channel', { command: 'subscribe', name: channel });
  await client.frame((f) => f.includes('subscribe_success'));
  client.pause();
  return {
    async ended() {
      client.resume();
      const code = await Promise.race([client.closed, new Promise((r) => setTimeout(r, 5000))]);
      return code === undefined ? `still open after reading ${client.frames.length} frames` : 'ended';
    },
  };
}

async function subscribedInHub(tp: TestParley, user: string, channel: string): Promise<void> {
  await expect.poll(() => tp.parley.hub.allSessions().find((s) => s.user === user)?.channels.has(channel) ?? false).toBe(true);
}

const SLOW_KINDS: SlowKind[] = [
  { name: '4.x (EIO4) polling that stops polling', open: (tp, user, channel) => enginePolling(tp, user, channel, 4, '/') },
  { name: '2.x (EIO3) polling that stops polling', open: (tp, user, channel) => enginePolling(tp, user, channel, 3, '/socket.io/1/') },
  { name: '4.x (EIO4) websocket that stops reading', open: (tp, user, channel) => engineWebSocket(tp, user, channel, 4, '/') },
  { name: '2.x (EIO3) websocket that stops reading', open: (tp, user, channel) => engineWebSocket(tp, user, channel, 3, '/socket.io/1/') },
  {
    name: '0.9 xhr-polling that stops polling',
    async open(tp, user, channel) {
      const { poll } = await stalledSession09(await accessUrl(tp, user), channel);
      await subscribedInHub(tp, user, channel);
      return {
        async ended() {
          const r = await httpText(poll, { signal: AbortSignal.timeout(3000) });
          return r.text === NOT_HANDSHAKEN ? 'ended' : `poll answered ${r.status} with ${r.text.length} characters`;
        },
      };
    },
  },
  {
    name: '0.9 jsonp-polling that stops polling',
    async open(tp, user, channel) {
      const url = await accessUrl(tp, user);
      const { sid } = await handshake09(url);
      const poll = `${transportUrl(url, 'jsonp-polling', sid)}&i=0`;
      expect((await httpText(poll)).text).toBe('io.j[0]("1::");');
      const d = encodeURIComponent(JSON.stringify(framed09(['1::/socket.io/1/', channelCommand09('subscribe', channel)])));
      expect((await httpText(poll, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `d=${d}` })).text).toBe('1');
      await subscribedInHub(tp, user, channel);
      return {
        async ended() {
          const r = await httpText(poll, { signal: AbortSignal.timeout(3000) });
          return r.text === `io.j[0]("${NOT_HANDSHAKEN}");` ? 'ended' : `poll answered ${r.status} with ${r.text.length} characters`;
        },
      };
    },
  },
  {
    name: '0.9 websocket that stops reading',
    async open(tp, user, channel) {
      const { ws } = await rawWsSession(await accessUrl(tp, user));
      cleanups.push(() => ws.close());
      ws.send(channelCommand09('subscribe', channel));
      await ws.frame((f) => f.includes('subscribe_success'));
      const tcp = (ws.ws as unknown as { _socket: NetSocket })._socket;
      tcp.pause();
      return {
        async ended() {
          tcp.resume();
          const code = await ws.closed(5000).catch(() => undefined);
          return code === undefined ? `still open after reading ${ws.frames.length} frames` : 'ended';
        },
      };
    },
  },
];

describe('every transport is dropped by bytes while the count limit is far away', () => {
  const BYTES_MAX = 1024 * 1024;
  // 20 MB in all: past what loopback's kernel buffers absorb for a client that stopped reading, so a
  // paused websocket's bytes pile up in the server too. The count limit (1000) is never approached.
  const PUBLICATIONS = 100;
  const DATA = 'y'.repeat(200 * 1024);
  let tp: TestParley;
  beforeAll(async () => {
    tp = await startParley({ env: { OUTBOUND_BUFFER_MAX: '1000', OUTBOUND_BUFFER_MAX_BYTES: String(BYTES_MAX), RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0' } });
    cleanups.push(() => tp.stop());
  });

  it(`${SLOW_KINDS.map((k) => k.name).join(', ')}: each dropped as a slow consumer and its connection ended, while a normal reader gets everything`, async () => {
    const channel = 'firehose';
    const reader = connectClient('4.x', await accessUrl(tp, 'reader'), ['websocket']);
    cleanups.push(() => reader.close());
    await connected(reader);
    await subscribe(reader, channel);
    const got = collect(reader, 'blob');
    const slow = await Promise.all(SLOW_KINDS.map(async (k, i) => ({ kind: k.name, user: `slow${i}`, client: await k.open(tp, `slow${i}`, channel) })));
    const dropsBefore = await metricValue(tp.url, SLOW_CONSUMER_DROPS);

    for (let n = 0; n < PUBLICATIONS; n++) expect((await publish(tp, [channel], 'blob', DATA)).status).toBe(200);
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(PUBLICATIONS);

    // Drops happen as the publications are written; give the last ones a moment, then look at each.
    const live = () => slow.filter((s) => tp.parley.hub.allSessions().some((x) => x.user === s.user));
    for (let waited = 0; live().length > 0 && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const state = await Promise.all(slow.map(async (s) => ({ kind: s.kind, session: tp.parley.hub.allSessions().filter((x) => x.user === s.user).length, connection: await s.client.ended() })));
    expect(state).toEqual(slow.map((s) => ({ kind: s.kind, session: 0, connection: 'ended' })));
    expect((await metricValue(tp.url, SLOW_CONSUMER_DROPS)) - dropsBefore).toBe(SLOW_KINDS.length);
    expect(got).toHaveLength(PUBLICATIONS);
  });
});

describe('a chat socket that stops reading', () => {
  let tp: TestParley;
  beforeAll(async () => {
    // Small byte bound, count bound out of reach: only bytes can drop it.
    tp = await startParley({ env: { OUTBOUND_BUFFER_MAX: '1000000', OUTBOUND_BUFFER_MAX_BYTES: '65536', RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0' } });
    cleanups.push(() => tp.stop());
  });

  it('is dropped as a slow consumer when its channel’s messages pile up, while a reading member gets all of them', { timeout: 40_000 }, async () => {
    const call = platformClient(tp.url, tp.appId, tp.apiKey);
    for (const id of ['sloth', 'hare', 'poster']) expect((await call('POST', '/v1/users', { user_id: id, name: id })).status).toBe(201);
    expect((await call('POST', '/v1/group/channels', { channel_id: 'pileup', name: 'pileup', members: ['sloth', 'hare', 'poster'] })).status).toBe(201);
    const token = async (id: string) => (await call<{ token: string }>('POST', `/v1/users/${id}/token`, {})).body.token;

    const hare = io(tp.url, { auth: { app_id: tp.appId, user_id: 'hare', token: await token('hare') }, transports: ['websocket'], reconnection: false, forceNew: true });
    cleanups.push(() => hare.disconnect());
    await new Promise<void>((resolve, reject) => {
      hare.once('connect', () => resolve());
      hare.once('connect_error', reject);
    });
    let hareGot = 0;
    hare.on('group:message_send', () => hareGot++);

    // The SDK's handshake by hand, so that the test can stop reading at the TCP level.
    const sloth = await RawEngineSocket.open(`${tp.url}/socket.io/1/?x=1`, 4, '/', { app_id: tp.appId, user_id: 'sloth', token: await token('sloth') });
    cleanups.push(() => sloth.close());
    await expect.poll(async () => (await call<string[]>('GET', '/v1/group/channels/pileup/online_members')).body).toEqual(['hare', 'sloth']);
    sloth.pause();
    const dropsBefore = await metricValue(tp.url, SLOW_CONSUMER_DROPS);

    // 1,000 messages of 10,000 bytes: 10 MB for the sloth, past the kernel's buffers.
    const MESSAGES = 1000;
    const content = 'z'.repeat(10_000);
    for (let sent = 0; sent < MESSAGES; sent += 25) {
      const answers = await Promise.all(Array.from({ length: 25 }, () => call('POST', '/v1/group/channels/pileup/messages', { type: 'text', user_id: 'poster', content })));
      expect(answers.every((a) => a.status === 201)).toBe(true);
    }
    await tp.parley.chat.idle();
    await expect.poll(() => hareGot, { timeout: 15_000 }).toBe(MESSAGES);

    await expect.poll(async () => (await metricValue(tp.url, SLOW_CONSUMER_DROPS)) - dropsBefore, { timeout: 5000, message: 'the chat socket dropped as a slow consumer' }).toBe(1);
    expect((await call<string[]>('GET', '/v1/group/channels/pileup/online_members')).body).toEqual(['hare']);
    sloth.resume();
    expect(await Promise.race([sloth.closed.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still open'), 5000))])).toBe('ended');
  });
});

describe('one 0.9 poll carries at most 1 MiB', () => {
  let tp: TestParley;
  beforeAll(async () => {
    // Bounds far away, so that everything stays queued for the polls.
    tp = await startParley({ env: { OUTBOUND_BUFFER_MAX_BYTES: String(16 * 1024 * 1024), RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0' } });
    cleanups.push(() => tp.stop());
  });

  it('the backlog comes out in answers of at most 1 MiB of packets (a larger packet alone), in order, none lost or repeated', async () => {
    const { poll } = await stalledSession09(await accessUrl(tp, 'backlogged'), 'backlog');
    await subscribedInHub(tp, 'backlogged', 'backlog');
    // 300 KB each, and one packet over 1 MiB on its own (data just under the publish limit of 1 MiB).
    const sizes = [...Array.from({ length: 10 }, () => 300 * 1024), 1024 * 1024 - 1, ...Array.from({ length: 3 }, () => 300 * 1024)];
    for (const [n, size] of sizes.entries()) expect((await publish(tp, ['backlog'], 'part', `${String(n).padStart(3, '0')}:${'p'.repeat(size - 4)}`)).status).toBe(200);

    const answers: Array<{ packets: number; bytes: number }> = [];
    const parts: number[] = [];
    while (parts.length < sizes.length && answers.length < 40) {
      const r = await httpText(poll, { signal: AbortSignal.timeout(5000) });
      expect(r.status).toBe(200);
      const decoded = decodePayload(r.text);
      if (!decoded.ok) throw new Error(`undecodable poll answer: ${decoded.reason}`);
      answers.push({ packets: decoded.value.length, bytes: decoded.value.reduce((n, p) => n + Buffer.byteLength(p), 0) });
      for (const p of decoded.value) {
        const m = /^5::\/socket\.io\/1\/:\{"name":"part","args":\["(\d{3}):/.exec(p);
        if (m) parts.push(Number(m[1]));
      }
    }
    const oversized = answers.filter((a) => a.bytes > 1024 * 1024 && a.packets > 1);
    expect(oversized, `answers over 1 MiB (of ${JSON.stringify(answers)})`).toEqual([]);
    expect(parts).toEqual(sizes.map((_, n) => n));
  });
});
