/**
 * Finding 5 and the slow-header part of 13: requests whose headers or body trickle in are answered 408
 * and closed (HTTP_HEADERS_TIMEOUT_S, HTTP_REQUEST_TIMEOUT_S) on every path of the one Node server —
 * Fastify, engine.io polling and socket.io 0.9 polling —, concurrent TCP connections per client IP are
 * capped (CONNECTIONS_PER_IP_MAX, proxies named by TRUST_PROXY exempt), and long polls, whose requests
 * are complete while only their responses wait, are not cut.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { signAccessUrl } from '../packages/server/src/realtime/access-url.ts';
import { connect09 } from './legacy09-client.ts';
import { accessUrl, connectClient, connected, publish, subscribe, waitFor, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

const started: TestParley[] = [];
const sockets: Socket[] = [];
const clients: AnyClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.destroy();
  for (const tp of started.splice(0)) await tp.stop();
});
async function start(env: Record<string, string>): Promise<TestParley> {
  const tp = await startParley({ env });
  started.push(tp);
  return tp;
}

interface RawResponse {
  status: number;
  body: string;
}

/** One raw TCP connection speaking HTTP/1.1 by hand, so that a test can send as slowly as an attacker. */
class RawClient {
  private buffer = '';
  private drip: NodeJS.Timeout | undefined;
  readonly closed: Promise<number>;

  private constructor(readonly socket: Socket) {
    const opened = Date.now();
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (this.buffer += d));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve(Date.now() - opened)));
    void this.closed.then(() => clearInterval(this.drip));
  }

  static open(url: string): Promise<RawClient> {
    const { port } = new URL(url);
    const socket = tcpConnect(Number(port), '127.0.0.1');
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Whether the server closed the connection within `ms`. */
  closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }

  get isClosed(): boolean {
    return this.socket.destroyed || this.socket.readyState === 'closed';
  }

  write(text: string): void {
    if (this.socket.writable) this.socket.write(text);
  }

  /** Writes one byte of `text` every `everyMs` ms until it is all sent or the connection closes. */
  trickle(text: string, everyMs: number): void {
    let i = 0;
    this.drip = setInterval(() => {
      if (i >= text.length) return clearInterval(this.drip);
      this.write(text[i++] ?? '');
    }, everyMs);
  }

  /** The next complete response (Content-Length framed) on this connection. */
  async response(ms = 5000): Promise<RawResponse> {
    const deadline = Date.now() + ms;
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end !== -1) {
        const head = this.buffer.slice(0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          const body = this.buffer.slice(end + 4, end + 4 + length);
          this.buffer = this.buffer.slice(end + 4 + length);
          return { status: Number(head.split(' ')[1]), body };
        }
      }
      if (Date.now() > deadline) throw new Error(`no complete response within ${ms} ms (got ${JSON.stringify(this.buffer.slice(0, 80))})`);
      if (this.isClosed && this.buffer.indexOf('\r\n\r\n') === -1) throw new Error('connection closed without a response');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const postHead = (path: string, length: number, extra = '', type = 'text/plain;charset=UTF-8') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/** An access URL signed in-process: fetching one would leave a pooled keep-alive connection that counts against the cap. */
const signedUrl = (tp: TestParley, user: string) => signAccessUrl(tp.url, { id: tp.appId, apiKey: tp.apiKey }, { user, channels: [], via: 'browser' }, Date.now());

/** An engine.io v4 polling session opened on `raw`: its sid. */
async function engineIoHandshake(raw: RawClient): Promise<string> {
  raw.write(get('/socket.io/?EIO=4&transport=polling'));
  const res = await raw.response();
  expect(res.status).toBe(200);
  return (JSON.parse(res.body.slice(1)) as { sid: string }).sid;
}

const TIMEOUTS = { HTTP_HEADERS_TIMEOUT_S: '1', HTTP_REQUEST_TIMEOUT_S: '2' };

describe('slow requests are answered 408 and closed', () => {
  it('a slow header (one header byte every 200 ms) → 408 in the JSON envelope after HTTP_HEADERS_TIMEOUT_S', async () => {
    const tp = await start(TIMEOUTS);
    const raw = await RawClient.open(tp.url);
    raw.write('GET /health HTTP/1.1\r\n');
    raw.trickle('X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 200);
    const res = await raw.response(4000);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toEqual({ code: 408, message: expect.stringMatching(/timeout|in time/i) });
    expect(await raw.closesWithin(500)).toBe(true);
  });

  it('a connection that sends nothing at all is closed after HTTP_HEADERS_TIMEOUT_S', async () => {
    const tp = await start(TIMEOUTS);
    const idle = await RawClient.open(tp.url);
    expect(await idle.closesWithin(3000)).toBe(true);
  });

  it('keeps the other parser refusals: 431 for oversized headers, 400 for malformed requests, both in JSON', async () => {
    const tp = await start(TIMEOUTS);
    const big = await RawClient.open(tp.url);
    big.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(await big.response()).toEqual({ status: 431, body: JSON.stringify({ code: 431, message: 'request headers or URL too large' }) });
    const bad = await RawClient.open(tp.url);
    bad.write('NOT HTTP AT ALL\r\n\r\n');
    expect(await bad.response()).toEqual({ status: 400, body: JSON.stringify({ code: 400, message: 'malformed HTTP request' }) });
    expect(await bad.closesWithin(500)).toBe(true);
  });

  it.each([
    ['the chat Platform API', async (tp: TestParley) => postHead('/v1/users', 200, `APP_ID: ${tp.appId}\r\nAPP_API_KEY: ${tp.apiKey}\r\n`, 'application/json')],
    ['an unauthenticated engine.io polling POST', async (tp: TestParley, raw: RawClient) => postHead(`/socket.io/?EIO=4&transport=polling&sid=${await engineIoHandshake(raw)}`, 200)],
    [
      'a socket.io 0.9 polling POST',
      async (tp: TestParley, raw: RawClient) => {
        const handshake = new URL(await accessUrl(tp, 'slow09'));
        raw.write(get(`${handshake.pathname}${handshake.search}`));
        const res = await raw.response();
        expect(res.status).toBe(200);
        return postHead(`/socket.io/1/xhr-polling/${res.body.split(':')[0]}`, 200);
      },
    ],
  ])('a slow body (one byte every 300 ms) on %s → 408 after HTTP_REQUEST_TIMEOUT_S', async (_name, head) => {
    const tp = await start(TIMEOUTS);
    const raw = await RawClient.open(tp.url);
    raw.write(await head(tp, raw));
    const sentAt = Date.now();
    raw.trickle('x'.repeat(200), 300);
    const res = await raw.response(5000);
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ code: 408 });
    expect(await raw.closesWithin(500)).toBe(true);
    expect(Date.now() - sentAt).toBeLessThan(4500);
  });

  it('the attack, scaled: 200 slow engine.io POSTs from one IP are capped at CONNECTIONS_PER_IP_MAX and all gone after the timeout', async () => {
    const tp = await start({ ...TIMEOUTS, CONNECTIONS_PER_IP_MAX: '50' });
    const attackers = await Promise.all(Array.from({ length: 200 }, () => RawClient.open(tp.url)));
    // Over the cap a connection is closed at once, before it can send anything.
    await new Promise((r) => setTimeout(r, 300));
    const accepted = attackers.filter((a) => !a.isClosed);
    expect(accepted.length).toBe(50);
    await Promise.all(
      accepted.map(async (a) => {
        a.write(postHead(`/socket.io/?EIO=4&transport=polling&sid=${await engineIoHandshake(a)}`, 1000));
        a.trickle('x'.repeat(1000), 250);
      }),
    );
    await new Promise((r) => setTimeout(r, 3500));
    expect(attackers.filter((a) => !a.isClosed).length).toBe(0);
  });
});

describe('connections per client IP', () => {
  it('closes a connection over CONNECTIONS_PER_IP_MAX at once and accepts again when one closes; socket.io counts too', async () => {
    const tp = await start({ CONNECTIONS_PER_IP_MAX: '3' });
    const ws = connectClient('4.x', signedUrl(tp, 'ws-user'), ['websocket']);
    clients.push(ws);
    await connected(ws);
    const first = await RawClient.open(tp.url);
    const second = await RawClient.open(tp.url);
    for (const raw of [first, second]) {
      raw.write(get('/health'));
      expect((await raw.response()).status).toBe(200);
    }
    const over = await RawClient.open(tp.url);
    over.write(get('/health'));
    expect(await over.closesWithin(1000)).toBe(true);
    first.socket.destroy();
    await first.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await RawClient.open(tp.url);
    again.write(get('/health'));
    expect((await again.response()).status).toBe(200);
  });

  it('does not cap connections from a trusted proxy (TRUST_PROXY), which carry many clients', async () => {
    const tp = await start({ CONNECTIONS_PER_IP_MAX: '3', TRUST_PROXY: 'loopback' });
    const many = await Promise.all(Array.from({ length: 8 }, () => RawClient.open(tp.url)));
    for (const raw of many) raw.write(get('/health'));
    for (const raw of many) expect((await raw.response()).status).toBe(200);
  });
});

describe('long polls are not cut by the request timeout', () => {
  it('keeps socket.io 4.x and 0.9 polling sessions whose polls outlast HTTP_REQUEST_TIMEOUT_S', async () => {
    const tp = await start({ HTTP_HEADERS_TIMEOUT_S: '1', HTTP_REQUEST_TIMEOUT_S: '1' });
    const v4 = connectClient('4.x', await accessUrl(tp, 'poll4'), ['polling']);
    const v09 = connect09(await accessUrl(tp, 'poll09'), 'xhr-polling');
    clients.push(v4, v09);
    await Promise.all([connected(v4), connected(v09)]);
    await subscribe(v4, 'lp');
    await subscribe(v09, 'lp');
    let dropped = 0;
    for (const c of [v4, v09]) c.on('disconnect', () => dropped++);
    // Each client's poll now waits on the server for 3 s, three times the request timeout.
    await new Promise((r) => setTimeout(r, 3000));
    const got = Promise.all([waitFor(v4, 'late'), waitFor(v09, 'late')]);
    expect((await publish(tp, ['lp'], 'late', { n: 1 })).status).toBe(200);
    expect(await got).toEqual([{ n: 1 }, { n: 1 }]);
    expect(dropped).toBe(0);
  });
});
