/**
 * Seeded property-based fuzzing of the socket.io 0.9 transport under /socket.io/1/: handshake URLs with
 * junk, huge, multi-byte and hostile query values; transport paths with junk sids and methods; and
 * arbitrary packets, frames and payloads (every packet type, the `\ufffd<len>\ufffd` framing, invalid
 * UTF-8, oversized data) over real websocket and xhr-polling sessions opened with valid access URLs.
 * Never a 5xx, the server never falls over, a well-behaved 0.9 client keeps receiving publishes
 * throughout, and a fresh client works at the end. Floods of random packet sequences (every type) are
 * cut by the session's token bucket within its bound, with no effect from what it refused.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessParams } from '../packages/server/src/legacy09/handshake.ts';
import { connect09, handshake09, httpText, RawWebSocket09, rawWsSession, transportUrl, type Client09 } from './legacy09-client.ts';
import { channelAnswers09, cut09, expectFloodContained, floodUntilCut, pollingFlooder09, websocketFlooder09 } from './support/flood.ts';
import { startHookReceiver, type HookReceiver } from './support/hook-receiver.ts';
import { accessUrl, collect, publish, waitFor, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const RTCS_CHANNEL = 'rtcs:channel';

/** FUZZ_SEED explores other inputs locally; CI keeps the fixed seed, so any failure reproduces. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const MAX_BODY = 64 * 1024;
let tp: TestParley;
let bystander: Client09;
let published = 0;

beforeAll(async () => {
  // Limits off: this fuzzes what the parser and protocol make of any input (the limits have their own tests).
  tp = await startParley({
    env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', ACCESS_URL_MAX_SESSIONS: '1000000', USER_MAX_SESSIONS: '1000000', HANDSHAKES_PER_IP_PER_S: '0' },
    realtimeLimits: { eventsPerSecond: 100_000, eventsBurst: 100_000 },
    // Short polls, so a GET that finds a live sid answers `8::` quickly instead of holding 20 s.
    legacy09: { pollingDurationMs: 200, maxBodyBytes: MAX_BODY },
  });
  bystander = connect09(await accessUrl(tp, 'calm', ['calm']), 'websocket');
  await waitFor<ChannelResultMsg>(bystander, 'rtcs:channel', (d) => d.type === 'subscribe_success');
});
afterAll(async () => {
  bystander?.close();
  await tp?.stop();
});

/** The well-behaved client still gets a publish, exactly once. */
async function bystanderUnaffected(): Promise<void> {
  const n = ++published;
  const got = collect<{ n: number }>(bystander, 'ok');
  expect((await publish(tp, ['calm'], 'ok', { n, 멀쩡: true })).status).toBe(200);
  await expect.poll(() => got.filter((g) => g.n === n).length, { timeout: 5000 }).toBe(1);
  expect(tp.parley.hub.allSessions().filter((s) => s.user === 'calm')).toHaveLength(1);
}

function expectNoPollution(): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(({}).constructor).toBe(Object);
  expect(Object.keys(Object.prototype)).toEqual([]);
}

// ---- Inputs.

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'app', 'ts', 's', 'd', 't', 'jsonp', 'EIO', 'disconnect', '');
const junk = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('../../etc/passwd', '%00', 'a\u0000b', '한글', '😀', '-1', '0', '1e400', 'NaN', '99999999999999999999', 'null', '{"user":"x"}', 'x'.repeat(8000)),
);
/** encodeURIComponent throws on a lone surrogate; such a value goes as U+FFFD, as a browser would send it. */
const encode = (t: string): string => encodeURIComponent(t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
const rawQueryValue = fc.oneof({ weight: 4, arbitrary: junk.map(encode) }, { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ff%fe', '%ed%a0%80', '&&', '==', '+', '%2B') });

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    junk,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const endpoint = fc.constantFrom('', '', '/socket.io/1/', '/socket.io/1/', '/', '/elsewhere', '/socket.io/1', '::', '/한글');
const packetId = fc.constantFrom('', '', '1', '1+', '0', '99999999999999999999', '-1', 'x', '1++');
const eventData = fc.oneof(
  fc.record({ name: fc.oneof(fc.constantFrom('rtcs:channel', 'message', 'connect', 'disconnect', 'error', '__proto__', 'constructor'), junk), args: fc.oneof(fc.array(value, { maxLength: 3 }), value) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.record({ command: fc.constantFrom('subscribe', 'unsubscribe', 'x'), name: fc.oneof(junk, fc.constantFrom('calm', 'private_x', 'presence_x', '__proto__')) }).map((cmd) => JSON.stringify({ name: 'rtcs:channel', args: [cmd] })),
  value.map((v) => JSON.stringify(v) ?? 'null'),
  fc.constantFrom('{"name":"rtcs:channel","args":[{"command":"subscribe","name":"x","__proto__":{"polluted":1}}]}', '{"__proto__":{"polluted":1},"name":"x"}', '{"constructor":{"prototype":{"polluted":1}}}', '[', '{', '"', ''),
);
/** One packet: `type:id:endpoint:data` with every part possibly junk, or no structure at all. */
const packet = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '5', '5', '6', '7', '8', '9', 'x', ''), packetId, endpoint, fc.oneof(eventData, junk)).map(([t, id, ep, data]) => `${t}:${id}:${ep}:${data}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('0', '1', '2', '7', '8'), endpoint).map(([t, ep]) => `${t}::${ep}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('6:::', '6::/socket.io/1/:'), fc.oneof(junk, fc.constantFrom('1', '1+[', '1+["a"]', '1+{}', 'abc+[]'))).map(([h, d]) => `${h}${d}`) },
  { weight: 1, arbitrary: junk },
);
/** A framed batch: lengths right, wrong, negative, huge or not numbers. */
const framed = fc.array(fc.tuple(packet, fc.constantFrom('right', 'right', 'short', 'long', 'junk', 'huge')), { minLength: 1, maxLength: 4 }).map((items) =>
  items
    .map(([p, how]) => {
      const len = how === 'right' ? String(p.length) : how === 'short' ? String(Math.max(0, p.length - 1)) : how === 'long' ? String(p.length + 3) : how === 'huge' ? '9'.repeat(20) : 'x';
      return `\ufffd${len}\ufffd${p}`;
    })
    .join(''),
);
/** What goes over the wire: text, a framed batch, invalid UTF-8 bytes, or something too large. */
const wire = fc.oneof(
  { weight: 8, arbitrary: packet.map((p) => ({ text: p })) },
  { weight: 2, arbitrary: framed.map((p) => ({ text: p })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ bytes: Buffer.concat([Buffer.from('5:::'), Buffer.from(b), Buffer.from([0xff, 0xfe])]) })) },
  { weight: 1, arbitrary: fc.constantFrom({ text: `3:::${'x'.repeat(MAX_BODY + 10)}` }, { text: `5:::{"name":"e","args":["${'한'.repeat(30_000)}"]}` }, { text: `4:::${'['.repeat(20_000)}${']'.repeat(20_000)}` }) },
);

// ---- Requests.

async function get(path: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  // A request the server never answers is a finding too: the timeout names it instead of hanging the file.
  const r = await httpText(`${tp.url}${path}`, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: r.status, text: r.text };
}

/** The access URL's query (app, ts, s, d), valid. */
async function validQuery(user: string): Promise<URLSearchParams> {
  return new URL(await accessUrl(tp, user, ['fuzz_room'])).searchParams;
}

describe('fuzzing the 0.9 handshake', () => {
  it('answers any handshake query without a 5xx', { timeout: 40_000 }, async () => {
    const valid = await validQuery('handshaker');
    const sids: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        // Start from the valid query and replace, drop, repeat or add parameters.
        fc.array(fc.tuple(fc.constantFrom('set', 'drop', 'repeat', 'add'), fc.oneof(hostileKey, junk.map((k) => k.slice(0, 50))), rawQueryValue), { maxLength: 4 }),
        fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.constantFrom('/socket.io/1/', '/socket.io/1', '/socket.io/1/?', '/socket.io/1//'),
        fc.option(fc.constantFrom('http://evil.example', 'null', '한글', ''), { nil: undefined }),
        async (edits, method, base, origin) => {
          const pairs: Array<[string, string]> = [...valid.entries()].map(([k, v]) => [k, encode(v)]);
          for (const [op, key, val] of edits) {
            const i = pairs.findIndex(([k]) => k === key);
            if (op === 'set' && i >= 0) pairs[i] = [key, val];
            else if (op === 'drop' && i >= 0) pairs.splice(i, 1);
            else if (op === 'repeat' && i >= 0) pairs.push([key, val]);
            else pairs.push([key, val]);
          }
          pairs.push(['t', String(Date.now())]);
          const query = pairs.map(([k, v]) => `${encode(k)}=${v}`).join('&');
          const path = `${base.replace(/\?$/, '')}?${query}`;
          const headers: Record<string, string> = origin === undefined ? {} : { origin: origin.replace(/[^\x20-\x7e]/g, '') };
          const r = await get(path, { method, headers });
          expect(r.status, `${method} ${path.slice(0, 300)} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
          if (r.status === 200 && method === 'GET' && /^[A-Za-z0-9_-]{20}:/.test(r.text)) sids.push(r.text.split(':')[0]!);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    // Some edits leave the query valid (a hostile extra key, say): those handshakes must have worked.
    expect(sids.length).toBeGreaterThan(0);
    expectNoPollution();
    await bystanderUnaffected();
  });

  it('keeps hostile query keys as plain keys of the access parameters', () => {
    const params = accessParams(new URLSearchParams('__proto__=a&__proto__=b&constructor=c&app=x&t=1'));
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toEqual(['a', 'b']);
    expect(params).toMatchObject({ constructor: 'c', app: 'x' });
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor', 'app']);
  });

  it('answers junk transport paths, sids and methods without a 5xx', { timeout: 40_000 }, async () => {
    const url = await accessUrl(tp, 'pathfinder');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('xhr-polling', 'jsonp-polling', 'websocket', 'flashsocket', 'htmlfile', '', 'XHR-POLLING', '..', '%2e%2e'),
        fc.oneof(junk.map((s) => encode(s.slice(0, 80))), fc.constantFrom('', 'a'.repeat(64), 'a'.repeat(65), '..%2f..%2fetc', '%00', 'abc/def', 'abc/', '__proto__', 'constructor')),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
        fc.constantFrom('', '?disconnect', '?disconnect=1', '?i=1', '?i=x', '?i=99999999999', '?i=-1', '?t=1&i=%00', '?EIO=3'),
        fc.option(fc.oneof(packet, framed, fc.constantFrom('d=%22%5Cufffd%22', 'd=5:::', 'd=', 'x'.repeat(MAX_BODY + 1))), { nil: undefined }),
        async (transport, sid, method, query, body) => {
          const path = `/socket.io/1/${transport}/${sid}${query}`;
          const r = await get(path, { method, body: method === 'GET' || method === 'OPTIONS' ? undefined : body });
          expect(r.status, `${method} ${path.slice(0, 200)} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    // Upgrades to junk sids are refused (or opened and told to go away), never a crash.
    await fc.assert(
      fc.asyncProperty(fc.oneof(junk.map((s) => encode(s.slice(0, 80))), fc.constantFrom('x', 'a'.repeat(65), '%00')), async (sid) => {
        const u = new URL(url);
        try {
          const ws = await RawWebSocket09.open(`ws://${u.host}/socket.io/1/websocket/${sid}${u.search}`);
          ws.close();
        } catch (err) {
          expect(String(err)).not.toMatch(/upgrade refused: 5\d\d/);
        }
      }),
      { seed: SEED, numRuns: Math.max(10, Math.round(RUNS / 5)) },
    );
    await bystanderUnaffected();
  });
});

describe('fuzzing 0.9 packets on live sessions', () => {
  it('takes any frame over a websocket session without harm to anyone else', { timeout: 40_000 }, async () => {
    let session: Awaited<ReturnType<typeof rawWsSession>> | undefined;
    let reopened = 0;
    const sessions: Array<Awaited<ReturnType<typeof rawWsSession>>> = [];
    await fc.assert(
      fc.asyncProperty(wire, async (w) => {
        // The server may rightly close the session (`0::`, oversized or invalid UTF-8 frames): open another.
        if (!session || session.ws.closeCode !== undefined || session.ws.ws.readyState !== session.ws.ws.OPEN) {
          session?.ws.close();
          session = await rawWsSession(await accessUrl(tp, 'fuzzer-ws', ['fuzz_room']));
          sessions.push(session);
          reopened++;
        }
        if ('bytes' in w) session.ws.send(w.bytes);
        else session.ws.send(w.text);
        // Let the server read between frames (and catch up on big ones), so that its answers and closes
        // land while the fuzzing goes on rather than after it.
        await new Promise((r) => setImmediate(r));
        for (let i = 0; i < 100 && session.ws.ws.bufferedAmount > 256 * 1024; i++) await new Promise((r) => setTimeout(r, 5));
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
    session?.ws.close();
    // The server closed sessions along the way (`0::`, frames too large, invalid UTF-8), and they were replaced.
    expect(reopened).toBeGreaterThan(1);
    // …and answered what deserved an answer (acks, subscribe results) in between.
    expect(sessions.flatMap((x) => x.ws.frames).filter((f) => f.startsWith('6:') || f.includes('rtcs:channel')).length).toBeGreaterThan(sessions.length);
    expectNoPollution();
    await bystanderUnaffected();
  });

  it('takes any POST body over an xhr-polling (and jsonp-polling) session without a 5xx', { timeout: 40_000 }, async () => {
    let poll = '';
    const open = async () => {
      const url = await accessUrl(tp, 'fuzzer-xhr', ['fuzz_room']);
      const { sid } = await handshake09(url);
      poll = transportUrl(url, 'xhr-polling', sid);
      expect((await httpText(poll)).text).toBe('1::');
    };
    await open();
    await fc.assert(
      fc.asyncProperty(wire, fc.constantFrom('text/plain;charset=UTF-8', 'application/octet-stream', 'application/x-www-form-urlencoded'), fc.integer({ min: 0, max: 5 }), fc.constantFrom('xhr', 'xhr', 'jsonp', 'jsonp-raw'), async (w, type, collectPackets, kind) => {
        // The same session also takes jsonp-polling POSTs: a form field `d` holding the payload as a JSON string.
        const target = kind === 'xhr' ? poll : poll.replace('/xhr-polling/', '/jsonp-polling/');
        const text = 'bytes' in w ? w.bytes.toString('latin1') : w.text;
        const body = kind === 'xhr' ? ('bytes' in w ? new Uint8Array(w.bytes) : w.text) : kind === 'jsonp' ? `d=${encode(JSON.stringify(text))}` : `d=${encode(text)}&d=x`;
        const r = await httpText(target, { method: 'POST', headers: { 'content-type': type }, body, signal: AbortSignal.timeout(5000) });
        expect(r.status, `${JSON.stringify('text' in w ? w.text.slice(0, 200) : 'bytes')} → ${r.text.slice(0, 100)}`).toBeLessThan(500);
        // The session was closed by what was sent (`0::`) or dropped: start another one.
        if (r.text === '7:::1+0') await open();
        // Collect what the server queued now and then (a short poll), as a real client would.
        else if (collectPackets === 0) expect((await httpText(poll, { signal: AbortSignal.timeout(5000) })).status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expectNoPollution();
    await bystanderUnaffected();
  });

  it('a fresh 0.9 client works after all of it, on both transports', async () => {
    for (const transport of ['websocket', 'xhr-polling'] as const) {
      const fresh = connect09(await accessUrl(tp, `fresh-${transport}`, ['after_fuzz']), transport);
      await waitFor<ChannelResultMsg>(fresh, 'rtcs:channel', (d) => d.name === 'after_fuzz' && d.type === 'subscribe_success');
      const got = waitFor<{ fine: boolean }>(fresh, 'ok');
      expect((await publish(tp, ['after_fuzz'], 'ok', { fine: true })).status).toBe(200);
      expect(await got).toEqual({ fine: true });
      fresh.close();
    }
    await bystanderUnaffected();
  });
});

// ---- Floods: random sequences of every inbound packet shape, faster than the session's bucket allows.

describe('fuzzing floods of 0.9 packets at the default limits (50/s, bursts of 200)', () => {
  const FLOOD_RUNS = Number(process.env.FUZZ_FLOOD_RUNS ?? 8);
  let floodTp: TestParley;
  let hooks: HookReceiver;
  let calm: Client09;
  let floods = 0;

  beforeAll(async () => {
    hooks = await startHookReceiver();
    floodTp = await startParley({ env: { RATE_LIMIT_IP_PER_S: '0', RATE_LIMIT_APP_PER_S: '0', APP_WEBHOOK_URL: hooks.url }, legacy09: { pollingDurationMs: 1000 } });
    calm = connect09(await accessUrl(floodTp, 'calm-flood', ['flood_room']), 'websocket');
    await waitFor<ChannelResultMsg>(calm, 'rtcs:channel', (d) => d.type === 'subscribe_success');
  });
  afterAll(async () => {
    calm?.close();
    await floodTp?.stop();
    await hooks?.close();
  });

  const cleanId = fc.constantFrom('', '', '1', '42', '7+');
  const ep = fc.constantFrom('', '/socket.io/1/');
  const small = fc.jsonValue({ maxDepth: 2 });
  const eventName = fc.string({ minLength: 1, maxLength: 12 }).filter((n) => n !== RTCS_CHANNEL);
  /** A channel command on a channel of its own (named when sent), or a packet as it goes on the wire. */
  type FloodShape = string | { command: 'subscribe' | 'unsubscribe'; id: string };
  /**
   * Well-formed packets of every type that do not end the session by themselves (no `0::` for the
   * socket or its namespace, nothing near the size limit).
   */
  const floodShape: fc.Arbitrary<FloodShape> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(cleanId, ep, eventName, small).map(([id, e, name, v]) => `5:${id}:${e}:${JSON.stringify({ name, args: [v] })}`) },
    { weight: 2, arbitrary: fc.record({ command: fc.constantFrom('subscribe' as const, 'unsubscribe' as const), id: cleanId }) },
    { weight: 1, arbitrary: fc.constantFrom('bad name!', '', 'private_x', 'presence_x').map((name) => `5:::/socket.io/1/:${JSON.stringify({ name: RTCS_CHANNEL, args: [{ command: 'subscribe', name }] })}`) },
    { weight: 1, arbitrary: fc.tuple(cleanId, ep, fc.string({ maxLength: 30 })).map(([id, e, text]) => `3:${id.replace('+', '')}:${e}:${text}`) },
    { weight: 1, arbitrary: fc.tuple(cleanId, ep, small).map(([id, e, v]) => `4:${id.replace('+', '')}:${e}:${JSON.stringify(v)}`) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.option(small, { nil: undefined })).map(([n, v]) => (v === undefined ? `6:::${n}` : `6:::${n}+${JSON.stringify([v])}`)) },
    { weight: 1, arbitrary: fc.constantFrom('2::', '8::', '1::/socket.io/1/', '1::/', '1::/elsewhere', '0::/elsewhere', '1::/x:?a=b') },
  );
  const materialize = (shape: FloodShape, flood: number, i: number): string =>
    typeof shape === 'string' ? shape : `5:${shape.id}:/socket.io/1/:${JSON.stringify({ name: RTCS_CHANNEL, args: [{ command: shape.command, name: `fz${flood}_${i}` }] })}`;

  it('every flooding session is cut within burst + refill + 100 packets, refused packets have no effect, others keep receiving', { timeout: 60_000 }, async () => {
    const figures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('websocket', 'xhr-polling'), fc.array(floodShape, { minLength: 10, maxLength: 60 }), fc.integer({ min: 5, max: 40 }), async (transport, pattern, batch) => {
        const flood = ++floods;
        const user = `flooder-${flood}`;
        const url = await accessUrl(floodTp, user, ['flood_room']);
        const flooder = await (transport === 'websocket' ? websocketFlooder09(url) : pollingFlooder09(url));
        try {
          const outcome = await floodUntilCut(
            (first, count) => flooder.send(Array.from({ length: count }, (_, k) => materialize(pattern[(first + k) % pattern.length]!, flood, first + k))),
            () => cut09(flooder.received()),
            { batch, maxPackets: 1500 },
          );
          figures.push(`${transport} batch ${batch}: ${outcome.cut ? 'cut' : 'NOT cut'} after ${outcome.sent} in ${outcome.ms} ms`);
          expect(outcome.cut, `${transport} flooder cut with the error event and 0:: (${outcome.sent} packets sent in ${outcome.ms} ms)`).toBe(true);
          const accepted = new Set(channelAnswers09(flooder.received()).filter((a) => a.type === 'subscribe_success').map((a) => a.name));
          await expectFloodContained({ tp: floodTp, hooks, user, outcome, batch, accepted, bystander: calm, channel: 'flood_room', n: ++published });
        } finally {
          flooder.close();
        }
      }),
      // Each run is a whole flood: no shrinking, the seed reproduces a failure.
      { seed: SEED, numRuns: FLOOD_RUNS, endOnFailure: true },
    );
    console.log(`0.9 floods: ${figures.join('; ')}`);
  });
});
