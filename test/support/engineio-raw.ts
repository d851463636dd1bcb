/**
 * engine.io and socket.io spoken by hand (EIO3 for 1.x/2.x clients, EIO4 for 4.x), over polling and
 * websocket, for what a library client never does: stop polling, stop reading at the TCP level, flood,
 * or send requests for somebody else's sid. The access parameters travel in the engine.io query, as
 * `io(accessUrl)` sends them.
 */
import type { Socket as NetSocket } from 'node:net';
import WebSocket from 'ws';
import { until } from '../legacy09-client.ts';

export type EioVersion = 3 | 4;

/** `/socket.io/?EIO=…&transport=…` on the access URL's server, with its access query (and `extra`). */
export function engineUrl(accessUrl: string, eio: EioVersion, transport: 'polling' | 'websocket', extra: Record<string, string> = {}): string {
  const u = new URL(accessUrl);
  const query = new URLSearchParams(u.search);
  query.delete('t');
  query.set('EIO', String(eio));
  query.set('transport', transport);
  for (const [k, v] of Object.entries(extra)) query.set(k, v);
  return `${transport === 'websocket' ? 'ws' : 'http'}://${u.host}/socket.io/?${query.toString()}`;
}

/** A polling body: EIO4 joins packets with a record separator, EIO3 prefixes each with its length. */
export function encodePolling(eio: EioVersion, packets: readonly string[]): string {
  return eio === 4 ? packets.join('\x1e') : packets.map((p) => `${p.length}:${p}`).join('');
}

export function decodePolling(eio: EioVersion, body: string): string[] {
  if (body === '') return [];
  if (eio === 4) return body.split('\x1e');
  const out: string[] = [];
  for (let i = 0; i < body.length; ) {
    const colon = body.indexOf(':', i);
    if (colon < 0) break;
    const n = Number(body.slice(i, colon));
    if (!Number.isInteger(n)) break;
    out.push(body.slice(colon + 1, colon + 1 + n));
    i = colon + 1 + n;
  }
  return out;
}

/** The socket.io part of a namespace's packets: `40`, `42/socket.io/1/,[…]`, … */
export function sioPacket(type: number, namespace: string, data?: unknown): string {
  const nsp = namespace === '/' ? '' : `${namespace},`;
  return `4${type}${nsp}${data === undefined ? '' : JSON.stringify(data)}`;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

async function request(url: string, init: RequestInit = {}, ms = 5000): Promise<HttpAnswer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
  return { status: res.status, text: await res.text() };
}

/** One engine.io polling connection driven by hand. */
export class RawPolling {
  private constructor(
    readonly accessUrl: string,
    readonly eio: EioVersion,
    readonly sid: string,
    readonly namespace: string,
  ) {}

  /** Handshakes and joins `namespace` (with `auth` in the CONNECT packet, as 4.x sends it). */
  static async open(accessUrl: string, eio: EioVersion, namespace = '/', auth?: Record<string, string>): Promise<RawPolling> {
    const hs = await request(engineUrl(accessUrl, eio, 'polling'));
    if (hs.status !== 200) throw new Error(`engine.io handshake refused: ${hs.status} ${hs.text}`);
    const open = decodePolling(eio, hs.text).find((p) => p.startsWith('0{'));
    if (!open) throw new Error(`no engine.io open packet in ${hs.text}`);
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const client = new RawPolling(accessUrl, eio, sid, namespace);
    // EIO3 clients are put on `/` by the server itself; any other namespace is joined explicitly.
    if (eio === 4 || namespace !== '/') {
      const posted = await client.post([sioPacket(0, namespace, auth)]);
      if (posted.status !== 200) throw new Error(`namespace connect refused: ${posted.status} ${posted.text}`);
    }
    const prefix = namespace === '/' ? '40' : `40${namespace}`;
    const seen: string[] = [];
    for (let i = 0; i < 5 && !seen.some((p) => p.startsWith(prefix)); i++) seen.push(...(await client.get()).packets);
    const refusal = seen.find((p) => p.startsWith(namespace === '/' ? '44' : `44${namespace}`));
    if (refusal) throw new Error(`namespace connect refused: ${refusal}`);
    if (!seen.some((p) => p.startsWith(prefix))) throw new Error(`no CONNECT for ${namespace}: ${JSON.stringify(seen)}`);
    return client;
  }

  url(): string {
    return engineUrl(this.accessUrl, this.eio, 'polling', { sid: this.sid, t: String(Date.now()) });
  }

  async get(ms = 5000): Promise<HttpAnswer & { packets: string[] }> {
    const r = await request(this.url(), {}, ms);
    return { ...r, packets: r.status === 200 ? decodePolling(this.eio, r.text) : [] };
  }

  post(packets: readonly string[]): Promise<HttpAnswer> {
    return request(this.url(), { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: encodePolling(this.eio, packets) });
  }

  /** An RTCS event on this client's namespace. */
  emit(event: string, ...args: unknown[]): Promise<HttpAnswer> {
    return this.post([sioPacket(2, this.namespace, [event, ...args])]);
  }
}

/** One engine.io websocket connection driven by hand; `pause()` stops reading at the TCP level. */
export class RawEngineSocket {
  readonly frames: string[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private reading = true;

  private constructor(
    readonly ws: WebSocket,
    readonly eio: EioVersion,
    readonly namespace: string,
  ) {
    ws.on('message', (m) => {
      const text = m.toString();
      this.frames.push(text);
      // EIO4: the server pings, the client answers while it still reads.
      if (eio === 4 && text === '2' && this.reading) ws.send('3');
    });
    ws.on('error', () => {}); // the close code says what happened
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async open(accessUrl: string, eio: EioVersion, namespace = '/', auth?: Record<string, string>): Promise<RawEngineSocket> {
    const ws = new WebSocket(engineUrl(accessUrl, eio, 'websocket'));
    const raw = new RawEngineSocket(ws, eio, namespace);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await raw.frame((f) => f.startsWith('0{'));
    if (eio === 4 || namespace !== '/') ws.send(sioPacket(0, namespace, auth));
    const prefix = namespace === '/' ? '40' : `40${namespace}`;
    const refused = namespace === '/' ? '44' : `44${namespace}`;
    const answer = await raw.frame((f) => f.startsWith(prefix) || f.startsWith(refused));
    if (answer.startsWith(refused)) throw new Error(`namespace connect refused: ${answer}`);
    return raw;
  }

  /** Resolves with the first recorded frame matching, waiting up to `ms`. */
  frame(match: (frame: string) => boolean, ms = 5000): Promise<string> {
    return until(() => this.frames.find(match), ms, `no matching engine.io frame (have ${this.frames.length})`);
  }

  send(packet: string): void {
    this.ws.send(packet);
  }

  emit(event: string, ...args: unknown[]): void {
    this.send(sioPacket(2, this.namespace, [event, ...args]));
  }

  private tcp(): NetSocket {
    return (this.ws as unknown as { _socket: NetSocket })._socket;
  }

  /** Stops reading: the kernel buffers fill, then whatever the server queues for this client grows. */
  pause(): void {
    this.reading = false;
    this.tcp().pause();
  }

  resume(): void {
    this.reading = true;
    this.tcp().resume();
  }

  close(): void {
    this.ws.terminate();
  }
}
