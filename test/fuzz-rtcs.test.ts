/**
 * Seeded property-based fuzzing of the RTCS face: every route with malformed JSON, wrong types, huge and
 * multi-byte strings, hostile keys; every socket event with arbitrary payloads. Never a 5xx, always the
 * `{code, message}` envelope, and a normal client is served afterwards. Floods of random event
 * sequences (any name, acks, binary, channel commands) from every generation and from chat sockets are
 * cut by the session's token bucket within its bound, with no effect from what it refused.
 */
import fc from 'fast-check';
import { io as ioV4 } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformClient } from './support/chat-engines.ts';
import { expectFloodContained, floodUntilCut, FLOOD_REASON } from './support/flood.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, collect, connectClient, connected, publish, subscribe, waitFor, type AnyClient, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const SEED = 20261124;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
let tp: TestParley;

beforeAll(async () => {
  tp = await startParley({
    env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', ACCESS_URL_MAX_SESSIONS: '1000000', USER_MAX_SESSIONS: '1000000', HANDSHAKES_PER_IP_PER_S: '0' },
    realtimeLimits: { eventsPerSecond: 100_000, eventsBurst: 100_000 } });
});
afterAll(async () => {
  await tp.stop();
});

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'channels', 'user', 'event', 'data', '');
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('../../etc/passwd', '..\\..\\win.ini', '%00', 'a\u0000b', '한글채널', 'presence_', 'private_x', 'x'.repeat(70_000)),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('v'), { maxKeys: 5 }),
  ),
})).v;
/** Bodies that look like the real ones with any field swapped for junk, or are junk outright. */
const body = fc.oneof(
  fc.record({ user: value, channels: value, via: value }, { requiredKeys: [] }),
  fc.record({ channels: value, event: value, data: value }, { requiredKeys: [] }),
  fc.record({ channels: fc.array(text, { maxLength: 120 }), event: text, data: value }),
  value,
);
const rawBody = fc.oneof(
  body.map((b) => JSON.stringify(b) ?? 'null'),
  fc.string(),
  fc.constantFrom('{', '{"user":', '[', '{"__proto__":{"polluted":1},"user":"u"}', '{"constructor":{"prototype":{"x":1}},"channels":["a"],"event":"e","data":"d"}'),
);

async function send(method: string, path: string, raw?: string, contentType = 'application/json') {
  const res = await fetch(`${tp.url}${path}`, {
    method,
    headers: { 'x-nhn-apikey': tp.apiKey, ...(raw === undefined ? {} : { 'content-type': contentType }) },
    body: raw,
  });
  const textBody = await res.text();
  return { status: res.status, text: textBody };
}

function expectEnvelope(r: { status: number; text: string }) {
  expect(r.status, r.text).toBeLessThan(500);
  if (r.status >= 400) {
    const parsed = JSON.parse(r.text) as { code: unknown; message: unknown };
    expect(parsed.code).toBe(r.status);
    expect(typeof parsed.message).toBe('string');
    expect(r.text).not.toMatch(/at .*\.ts:\d+|node_modules|SELECT|INSERT/i);
  }
}

describe('fuzzing the RTCS Service API', () => {
  it.each([
    ['POST', `/v2/auth/APP/access`],
    ['POST', `/v2/event/APP/channel`],
    ['POST', `/tc-pusher/v2/event/APP/channel`],
  ])('%s %s answers every body without a 5xx', async (method, template) => {
    const path = template.replace('APP', tp.appId);
    await fc.assert(
      fc.asyncProperty(rawBody, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (raw, type) => {
        expectEnvelope(await send(method, path, raw, type));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('query routes answer every channel parameter without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, fc.constant('q'.repeat(20_000))), fc.constantFrom('/exists/APP', '/v2/channel/APP/sessions', '/v2/channel/APP/count'), async (channel, template) => {
        const path = `${template.replace('APP', tp.appId)}?channel=${encodeURIComponent(channel)}&channel=${encodeURIComponent(channel)}`;
        expectEnvelope(await send('GET', path));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('path parameters with traversal and odd characters are answered cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(text, async (appkey) => {
        expectEnvelope(await send('POST', `/v2/event/${encodeURIComponent(appkey)}/channel`, '{}'));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('fuzzing socket events', () => {
  it('any payload on any event leaves the server serving', async () => {
    const c: AnyClient = connectClient('4.x', await accessUrl(tp, 'fuzzer'));
    await connected(c);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant('rtcs:channel'), text), value, fc.array(value, { maxLength: 3 }), async (event, payload, extra) => {
        c.emit(event, payload, ...extra);
        c.emit('rtcs:channel', { command: fc.sample(fc.constantFrom('subscribe', 'unsubscribe', 'x'), 1)[0], name: payload });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    c.close();
    expect(({}).constructor).toBe(Object);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();

    const normal = connectClient('4.x', await accessUrl(tp, 'normal'));
    await connected(normal);
    expect((await subscribe(normal, 'after-fuzz')).type).toBe('subscribe_success');
    const got = waitFor(normal, 'ok');
    await publish(tp, ['after-fuzz'], 'ok', { fine: true });
    expect(await got).toEqual({ fine: true });
    normal.close();
  });
});

// ---- Floods: random sequences of every inbound packet shape, faster than the session's bucket allows.

describe('fuzzing floods of socket.io packets at the default limits (50/s, bursts of 200)', () => {
  const FLOOD_RUNS = Number(process.env.FUZZ_FLOOD_RUNS ?? 8);
  let floodTp: TestParley;
  let hooks: HookReceiver;
  let calm: AnyClient;
  let floods = 0;
  let published = 0;

  beforeAll(async () => {
    hooks = await startHookReceiver();
    floodTp = await startParley({ env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', APP_WEBHOOK_URL: hooks.url } });
    calm = connectClient('4.x', await accessUrl(floodTp, 'calm', ['flood_room']), ['websocket']);
    const ok = waitFor<ChannelResultMsg>(calm, 'rtcs:channel', (d) => d.type === 'subscribe_success');
    await connected(calm);
    await ok;
  });
  afterAll(async () => {
    calm?.close();
    await floodTp?.stop();
    await hooks?.close();
  });

  /** Names a client of some generation handles itself instead of sending. */
  const CLIENT_RESERVED = new Set(['connect', 'connect_error', 'connect_timeout', 'connecting', 'disconnect', 'disconnecting', 'error', 'newListener', 'removeListener', 'reconnect', 'reconnect_attempt', 'reconnect_failed', 'reconnect_error', 'reconnecting', 'ping', 'pong']);
  const eventName = fc.string({ minLength: 1, maxLength: 12 }).filter((n) => n !== 'rtcs:channel' && !CLIENT_RESERVED.has(n));
  const small = fc.jsonValue({ maxDepth: 2 });
  /** One emit: any event with data, with an ack callback, with binary, or a channel command on a channel of its own. */
  type FloodEmit = { kind: 'event' | 'acked' | 'binary'; name: string; data: unknown } | { kind: 'command'; command: 'subscribe' | 'unsubscribe' } | { kind: 'junk-command'; payload: unknown };
  const floodEmit: fc.Arbitrary<FloodEmit> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('event' as const), name: eventName, data: small }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('acked' as const), name: eventName, data: small }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('binary' as const), name: eventName, data: fc.uint8Array({ maxLength: 64 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('command' as const), command: fc.constantFrom('subscribe' as const, 'unsubscribe' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk-command' as const), payload: small }) },
  );

  function emitOne(c: AnyClient, e: FloodEmit, flood: number, i: number): void {
    if (e.kind === 'command') c.emit('rtcs:channel', { command: e.command, name: `fz${flood}_${i}` });
    else if (e.kind === 'junk-command') c.emit('rtcs:channel', e.payload);
    else if (e.kind === 'acked') c.emit(e.name, e.data, () => {});
    else c.emit(e.name, e.kind === 'binary' ? Buffer.from(e.data as Uint8Array) : e.data);
  }

  async function chatClient(userId: string): Promise<AnyClient> {
    const call = platformClient(floodTp.url, floodTp.appId, floodTp.apiKey);
    await call('POST', '/v1/users', { user_id: userId, name: userId });
    const token = (await call<{ token: string }>('POST', `/v1/users/${userId}/token`, {})).body.token;
    const socket = ioV4(floodTp.url, { auth: { app_id: floodTp.appId, user_id: userId, token }, transports: ['websocket'], reconnection: false, forceNew: true });
    return { generation: 'chat', on: (e, l) => void socket.on(e, l), off: (e, l) => void socket.off(e, l), emit: (e, ...a) => void socket.emit(e, ...a), close: () => void socket.disconnect() };
  }

  it('every flooding socket (4.x, 2.x, 1.x, chat) is cut within burst + refill + 100 packets, refused commands have no effect, others keep receiving', { timeout: 60_000 }, async () => {
    const figures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('4.x', '2.x', '1.x', 'chat'), fc.array(floodEmit, { minLength: 10, maxLength: 60 }), fc.integer({ min: 5, max: 40 }), async (kind, pattern, batch) => {
        const flood = ++floods;
        const user = `flooder-${flood}`;
        const c = kind === 'chat' ? await chatClient(user) : connectClient(kind, await accessUrl(floodTp, user, ['flood_room']), ['websocket']);
        try {
          await connected(c);
          const errors = collect<unknown>(c, 'error');
          const answers = collect<ChannelResultMsg>(c, 'rtcs:channel');
          let disconnected = false;
          c.on('disconnect', () => (disconnected = true));
          const outcome = await floodUntilCut(
            (first, count) => {
              for (let i = first; i < first + count; i++) emitOne(c, pattern[i % pattern.length]!, flood, i);
            },
            () => disconnected && errors.includes(FLOOD_REASON),
            { batch, maxPackets: 1500 },
          );
          figures.push(`${kind} batch ${batch}: ${outcome.cut ? 'cut' : 'NOT cut'} after ${outcome.sent} in ${outcome.ms} ms`);
          expect(outcome.cut, `${kind} flooder cut with "${FLOOD_REASON}" (${outcome.sent} packets sent in ${outcome.ms} ms)`).toBe(true);
          // The access URL's own grant (flood_room) is joined at connect, possibly before `answers` listens.
          const accepted = new Set(['flood_room', ...answers.filter((a) => a.type === 'subscribe_success').map((a) => a.name)]);
          await expectFloodContained({ tp: floodTp, hooks, user, outcome, batch, accepted, bystander: calm, channel: 'flood_room', n: ++published });
        } finally {
          c.close();
        }
      }),
      // Each run is a whole flood: no shrinking, the seed reproduces a failure.
      { seed: SEED, numRuns: FLOOD_RUNS, endOnFailure: true },
    );
    console.log(`socket.io floods: ${figures.join('; ')}`);
  });
});
