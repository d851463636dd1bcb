/**
 * The 0.9 protocol at the HTTP level, by hand: handshake and refusals, JSONP (handshake and the
 * jsonp-polling transport, which the Node build of the 0.9 client cannot use), xhr-polling framing,
 * CORS, unknown sids, `?disconnect`, body caps, and routing next to engine.io on the same port.
 */
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload } from '../packages/server/src/legacy09/codec.ts';
import { signAccessUrl } from '../packages/server/src/realtime/access-url.ts';
import { accessUrl, connectClient, connected, publish, waitFor, type ChannelResultMsg } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';
import { sessionOf } from './support/sessions.ts';
import { handshake09, handshakeUrl, httpText, parseHandshake, RawWebSocket09, transportUrl } from './legacy09-client.ts';

let tp: TestParley;
const open: Array<{ close(): void }> = [];

beforeAll(async () => {
  tp = await startParley();
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
  await tp.stop();
});

/** Runs a JSONP answer as a browser would, returning what it passed to `io.j[index]`. */
function runJsonp(body: string, index: number): unknown {
  const calls: unknown[] = [];
  const j: Array<(arg: unknown) => void> = [];
  j[index] = (arg) => calls.push(arg);
  runInNewContext(body, { io: { j }, Error });
  expect(calls).toHaveLength(1);
  return calls[0];
}

/** Every packet of a polling answer. */
function packets(body: string): string[] {
  const d = decodePayload(body);
  if (!d.ok) throw new Error(`bad framing: ${d.reason}`);
  return d.value;
}

/** Long-polls until a packet matching arrives (each GET answers at once when packets are queued). */
async function pollFor(url: string, match: (p: string) => boolean, tries = 10): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < tries; i++) {
    const { status, text } = await httpText(url);
    expect(status).toBe(200);
    seen.push(...packets(text));
    if (seen.some(match)) return seen;
  }
  throw new Error(`not seen in ${tries} polls: ${JSON.stringify(seen)}`);
}

describe('handshake', () => {
  it('answers sid:heartbeat:close:transports in text/plain, websocket first, ignoring the second t', async () => {
    const url = await accessUrl(tp, 'hs');
    expect(url).toMatch(/\/socket\.io\/1\/\?app=testapp&ts=\d+&s=[0-9a-f]{64}&d=[\w-]+&t=\d+$/);
    const res = await httpText(handshakeUrl(url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^[\w-]{20}:60:60:websocket,xhr-polling,jsonp-polling$/);
    expect(parseHandshake(res.text)).toMatchObject({ heartbeatS: 60, closeS: 60 });
  });

  it('refuses tampered, expired, incomplete and repeated parameters with 403 and the reason', async () => {
    const url = await accessUrl(tp, 'hs-refused');
    const tampered = url.replace(/d=([\w-])/, (_m, ch: string) => `d=${ch === 'A' ? 'B' : 'A'}`);
    const app = { id: tp.appId, apiKey: tp.apiKey };
    const old = Date.now() - (tp.parley.config.accessUrlTtlS + 60) * 1000;
    const expired = signAccessUrl(tp.url, app, { user: 'late', channels: [], via: 'browser' }, old);
    const cases: Array<[string, RegExp]> = [
      [tampered, /signature does not match/],
      [expired, /expired/],
      [url.replace(/&s=[0-9a-f]+/, ''), /lacks the s parameter/],
      [`${tp.url}/socket.io/1/?t=1`, /lacks the app parameter/],
      [`${url}&s=abc`, /malformed s parameter/],
      [url.replace('app=testapp', 'app=ghost'), /signature does not match/],
    ];
    for (const [bad, reason] of cases) {
      const res = await httpText(handshakeUrl(bad));
      expect(res.status, bad).toBe(403);
      expect(res.text).toMatch(reason);
    }
  });

  it('answers a JSONP handshake with a script calling io.j[N], and a refusal with an Error', async () => {
    const url = await accessUrl(tp, 'hs-jsonp');
    const ok = await httpText(handshakeUrl(url, '&jsonp=3'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(runJsonp(ok.text, 3)).toMatch(/^[\w-]{20}:60:60:websocket,xhr-polling,jsonp-polling$/);

    const refused = await httpText(handshakeUrl(url.replace('app=testapp', 'app=ghost'), '&jsonp=0'));
    const err = runJsonp(refused.text, 0) as Error;
    expect(err.message).toMatch(/signature does not match/);
  });

  it('echoes the Origin for CORS with credentials, and answers preflights', async () => {
    const url = await accessUrl(tp, 'hs-cors');
    const res = await httpText(handshakeUrl(url), { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const pre = await httpText(handshakeUrl(url), { method: 'OPTIONS', headers: { origin: 'https://app.example' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const none = await httpText(handshakeUrl(url));
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('xhr-polling by hand', () => {
  it('answers 1:: first, takes framed POSTs, and frames several packets with UTF-16 lengths', async () => {
    const url = await accessUrl(tp, 'xhr-hand', ['presence_hand']);
    const { sid } = await handshake09(url, { headers: { origin: 'https://hand.example' } });
    const poll = transportUrl(url, 'xhr-polling', sid);
    expect((await httpText(poll)).text).toBe('1::');

    const joinAndSubscribe = ['1::/socket.io/1/', '5:1+:/socket.io/1/:{"name":"rtcs:channel","args":[{"command":"subscribe","name":"한글-no"}]}'];
    const body = joinAndSubscribe.map((p) => `\ufffd${p.length}\ufffd${p}`).join('');
    const posted = await httpText(poll, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(posted).toMatchObject({ status: 200, text: '1' });

    const seen = await pollFor(poll, (p) => p.startsWith('6::/socket.io/1/:1+'));
    expect(seen[0]).toBe('1::/socket.io/1/');
    // The granted presence channel's result, then the refused channel name (not [A-Za-z0-9_-]), then the ack.
    const events = seen.filter((p) => p.startsWith('5::/socket.io/1/:')).map((p) => JSON.parse(p.slice('5::/socket.io/1/:'.length)) as { args: ChannelResultMsg[] });
    expect(events.map((e) => [e.args[0]!.type, e.args[0]!.name])).toEqual([
      ['subscribe_success', 'presence_hand'],
      ['subscribe_error', '한글-no'],
    ]);
    expect(seen.at(-1)).toBe('6::/socket.io/1/:1+[]');
    expect(sessionOf(tp, sid)?.origin).toBe('https://hand.example');

    await publish(tp, ['presence_hand'], 'k', { t: '한글 😀' });
    await publish(tp, ['presence_hand'], 'k', { t: 'second' });
    const raw = (await httpText(poll)).text;
    const two = ['5::/socket.io/1/:{"name":"k","args":[{"t":"한글 😀"}]}', '5::/socket.io/1/:{"name":"k","args":[{"t":"second"}]}'];
    expect(raw).toBe(`\ufffd${two[0]!.length}\ufffd${two[0]}\ufffd${two[1]!.length}\ufffd${two[1]}`);
    expect(two[0]!.length).not.toBe(Buffer.byteLength(two[0]!));

    // ?disconnect ends the session at once; the sid is then unknown.
    expect(await httpText(`${poll}&disconnect=1`)).toMatchObject({ status: 200, text: '' });
    expect(sessionOf(tp, sid)).toBeUndefined();
    expect((await httpText(transportUrl(url, 'xhr-polling', sid))).text).toBe('7:::1+0');
  });

  it('answers unknown sids "7:::1+0" on every transport', async () => {
    const url = await accessUrl(tp, 'ghost');
    expect(await httpText(transportUrl(url, 'xhr-polling', 'nosuchsid'))).toMatchObject({ status: 200, text: '7:::1+0' });
    expect((await httpText(transportUrl(url, 'xhr-polling', 'nosuchsid'), { method: 'POST', body: '2::' })).text).toBe('7:::1+0');
    expect(runJsonp((await httpText(transportUrl(url, 'jsonp-polling', 'nosuchsid', '&i=2'))).text, 2)).toBe('7:::1+0');
    const ws = await RawWebSocket09.open(transportUrl(url, 'websocket', 'nosuchsid'));
    open.push(ws);
    expect(await ws.frame(() => true)).toBe('7:::1+0');
    await ws.closed();
  });

  it('refuses a POST body over 1 MB with 413 and keeps serving the socket', async () => {
    const url = await accessUrl(tp, 'big');
    const { sid } = await handshake09(url);
    const poll = transportUrl(url, 'xhr-polling', sid);
    expect((await httpText(poll)).text).toBe('1::');
    const big = `3:::${'x'.repeat(1024 * 1024)}`;
    expect((await httpText(poll, { method: 'POST', body: big })).status).toBe(413);
    expect((await httpText(poll, { method: 'POST', body: '1::/socket.io/1/' })).text).toBe('1');
    expect((await httpText(poll)).text).toBe('1::/socket.io/1/');
  });
});

describe('jsonp-polling by hand', () => {
  it('wraps answers in io.j[i](…) and takes form-encoded d= posts', async () => {
    const url = await accessUrl(tp, 'jsonp-user', ['presence_jsonp']);
    const observer = connectClient('4.x', await accessUrl(tp, 'jsonp-watcher', ['presence_jsonp']));
    open.push(observer);
    await connected(observer);
    const { sid } = await handshake09(url);
    const poll = transportUrl(url, 'jsonp-polling', sid, '&i=1');
    const first = await httpText(poll);
    expect(first.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(runJsonp(first.text, 1)).toBe('1::');

    const joined = waitFor<ChannelResultMsg>(observer, 'rtcs:channel', (d) => d.type === 'member_join');
    const payload = ['1::/socket.io/1/', '5:::{"name":"rtcs:channel","args":[{"command":"subscribe","name":"jsonp_room"}]}']
      .map((p) => `\ufffd${p.length}\ufffd${p}`)
      .join('');
    const form = new URLSearchParams({ d: JSON.stringify(payload) });
    const posted = await httpText(poll, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted).toMatchObject({ status: 200, text: '1' });
    expect((await joined).info!.user).toBe('jsonp-user');

    const seen: string[] = [];
    while (!seen.some((p) => p.includes('"jsonp_room"'))) {
      seen.push(...packets(runJsonp((await httpText(poll)).text, 1) as string));
    }
    expect(seen[0]).toBe('1::/socket.io/1/');

    // A publish with a line separator still makes a valid script.
    await publish(tp, ['jsonp_room'], 'ls', { t: 'a\u2028b 한글' });
    const got = packets(runJsonp((await httpText(poll)).text, 1) as string);
    expect(got).toEqual(['5::/socket.io/1/:{"name":"ls","args":[{"t":"a\u2028b 한글"}]}']);

    expect((await httpText(transportUrl(url, 'jsonp-polling', sid, '&i=alert(1)'))).status).toBe(400);
    for (const bad of ['x=1', 'd=not-json', `d=${encodeURIComponent('{"a":1}')}`]) {
      expect((await httpText(poll, { method: 'POST', body: bad })).status).toBe(400);
    }
  });
});

describe('routing next to socket.io v4', () => {
  it('serves /socket.io/1/ itself and leaves engine.io and the HTTP API their requests', async () => {
    expect((await httpText(`${tp.url}/socket.io/1/flashsocket/abc`)).status).toBe(400);
    expect((await httpText(`${tp.url}/socket.io/1/nowhere`)).status).toBe(404);
    expect((await httpText(`${tp.url}/socket.io/1/?app=x`, { method: 'POST', body: '' })).status).toBe(405);
    // An engine.io client whose path is /socket.io/1/ still reaches engine.io.
    const eio = await httpText(`${tp.url}/socket.io/1/?EIO=4&transport=polling`);
    expect(eio.status).toBe(200);
    expect(eio.text).toMatch(/^0\{"sid":/);
    expect((await httpText(`${tp.url}/socket.io/?EIO=4&transport=polling`)).text).toMatch(/^0\{"sid":/);
    // v4's own answer to a 0.9 URL would be 400 "Transport unknown"; ours is a handshake.
    expect((await httpText(handshakeUrl(await accessUrl(tp, 'routed')))).status).toBe(200);
    expect((await httpText(`${tp.url}/health`)).status).toBe(200);
  });

  it('refuses upgrades to anything but /socket.io/1/websocket/{sid}', async () => {
    await expect(RawWebSocket09.open(`${tp.url.replace('http', 'ws')}/socket.io/1/xhr-polling/abc`)).rejects.toThrow(/400/);
    await expect(RawWebSocket09.open(`${tp.url.replace('http', 'ws')}/socket.io/1/`)).rejects.toThrow(/400/);
    // socket.io v4 websockets are unaffected.
    const c = connectClient('4.x', await accessUrl(tp, 'v4ws'), ['websocket']);
    open.push(c);
    await connected(c);
  });
});
