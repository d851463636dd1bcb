/**
 * RTCS's own JavaScript client — socket.io-client 0.9.17 from npm (alias `sio09`, CommonJS, with its
 * own old `ws` and `xmlhttprequest`) — behind the `AnyClient` interface of support/rtcs-clients.ts, so
 * the same helpers (connected, waitFor, subscribe, …) drive it.
 */
import { createRequire } from 'node:module';
import { WebSocket } from 'ws';
import type { AnyClient } from './support/rtcs-clients.ts';

const require = createRequire(import.meta.url);

/** The part of a 0.9 namespace socket the tests use (the package has no types). */
export interface Sio09Namespace {
  name: string;
  socket: {
    sessionid?: string;
    transport?: { name: string };
    connected: boolean;
    options: Record<string, unknown>;
    connect(): void;
    disconnect(): void;
  };
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
}

interface Sio09 {
  version: string;
  connect(url: string, options: Record<string, unknown>): Sio09Namespace;
}

export const sio09 = require('sio09') as Sio09;

export type Transport09 = 'websocket' | 'xhr-polling';

export interface Client09 extends AnyClient {
  readonly nsp: Sio09Namespace;
}

/** Connects with the access URL verbatim, as RTCS's documentation tells browser code to. */
export function connect09(url: string, transport: Transport09, options: Record<string, unknown> = {}): Client09 {
  const nsp = sio09.connect(url, { 'force new connection': true, reconnect: false, 'connect timeout': 5000, ...options, 'auto connect': false });
  // Set on the socket, not passed to connect(): the client deep-merges options into its module-wide
  // default transports array, so one client's choice would leak into the next.
  nsp.socket.options.transports = [transport];
  nsp.socket.connect();
  return {
    generation: `0.9/${transport}`,
    nsp,
    on: (e, l) => nsp.on(e, l),
    off: (e, l) => nsp.removeListener(e, l),
    emit: (e, ...a) => nsp.emit(e, ...a),
    close: () => {
      // After a refused handshake the client has no transport, and its disconnect() would throw.
      if (nsp.socket.transport) nsp.socket.disconnect();
    },
  };
}

// ---- The protocol by hand, for what a real client never sends (HTTP-level and hostile-input tests).

export interface Handshake09 {
  sid: string;
  heartbeatS: number;
  closeS: number;
  transports: string[];
}

/** `http://host:port/socket.io/1/?query` → the same URL with `&t=…` appended, as the client does. */
export function handshakeUrl(accessUrl: string, extra = ''): string {
  return `${accessUrl}&t=${Date.now()}${extra}`;
}

export function parseHandshake(body: string): Handshake09 {
  const [sid = '', heartbeat, close, transports = ''] = body.split(':');
  return { sid, heartbeatS: Number(heartbeat), closeS: Number(close), transports: transports.split(',') };
}

export async function handshake09(accessUrl: string, init?: RequestInit): Promise<Handshake09> {
  const res = await fetch(handshakeUrl(accessUrl), init);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`handshake refused: ${res.status} ${body}`);
  return parseHandshake(body);
}

/** `/socket.io/1/{transport}/{sid}` on the access URL's server, with the access query as the client sends it. */
export function transportUrl(accessUrl: string, transport: string, sid: string, extra = ''): string {
  const u = new URL(accessUrl);
  const scheme = transport === 'websocket' ? 'ws' : 'http';
  return `${scheme}://${u.host}/socket.io/1/${transport}/${sid}${u.search}&t=${Date.now()}${extra}`;
}

export async function httpText(url: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** A websocket speaking 0.9 by hand: records every frame and how it closed. */
export class RawWebSocket09 {
  readonly frames: string[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(String(data)));
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {}); // the close code says what happened
  }

  static open(url: string): Promise<RawWebSocket09> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const raw = new RawWebSocket09(ws);
      ws.once('open', () => resolve(raw));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Resolves with the first recorded frame matching, waiting up to `ms`. */
  frame(match: (frame: string) => boolean, ms = 3000): Promise<string> {
    return until(() => this.frames.find(match), ms, 'no matching frame');
  }

  closed(ms = 3000): Promise<number> {
    return until(() => this.closeCode, ms, 'websocket not closed');
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Polls `get` every 10 ms until it returns something, or rejects after `ms`. */
export function until<T>(get: () => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = get();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > ms) reject(new Error(`${what} within ${ms} ms`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

/** Handshakes, opens a websocket for the sid and joins the RTCS namespace, all by hand. */
export async function rawWsSession(accessUrl: string): Promise<{ sid: string; ws: RawWebSocket09 }> {
  const { sid } = await handshake09(accessUrl);
  const ws = await RawWebSocket09.open(transportUrl(accessUrl, 'websocket', sid));
  await ws.frame((f) => f === '1::');
  ws.send('1::/socket.io/1/');
  await ws.frame((f) => f === '1::/socket.io/1/');
  return { sid, ws };
}

/** Several packets in one polling body: `\ufffd<length>\ufffd<packet>` each (lengths in UTF-16 code units). */
export function framed09(packets: readonly string[]): string {
  return packets.map((p) => `\ufffd${p.length}\ufffd${p}`).join('');
}

/** `5::/socket.io/1/:{"name":"rtcs:channel","args":[…]}` — a channel command on the RTCS endpoint. */
export function channelCommand09(command: 'subscribe' | 'unsubscribe', name: string): string {
  return `5::/socket.io/1/:${JSON.stringify({ name: 'rtcs:channel', args: [{ command, name }] })}`;
}

/**
 * A 0.9 session that stops polling, as a stalled browser tab does: handshake, one poll for `1::`, the
 * namespace join and a subscribe by POST — and no poll ever after.
 */
export async function stalledSession09(accessUrl: string, channel: string): Promise<{ sid: string; poll: string }> {
  const { sid } = await handshake09(accessUrl);
  const poll = transportUrl(accessUrl, 'xhr-polling', sid);
  const first = await httpText(poll, { signal: AbortSignal.timeout(5000) });
  if (first.text !== '1::') throw new Error(`first poll: ${first.status} ${first.text}`);
  const posted = await httpText(poll, { method: 'POST', body: framed09(['1::/socket.io/1/', channelCommand09('subscribe', channel)]), signal: AbortSignal.timeout(5000) });
  if (posted.text !== '1') throw new Error(`subscribe POST: ${posted.status} ${posted.text}`);
  return { sid, poll };
}
