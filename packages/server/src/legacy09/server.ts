/**
 * Routes `/socket.io/1/…` — the handshake and the three transports — and owns the sockets by sid.
 * Requests carrying `EIO=` are engine.io clients configured with that path and are not ours.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Admission } from '../realtime/admission.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import { handshake, newSid } from './handshake.ts';
import { corsHeaders, sendText } from './http-io.ts';
import type { Legacy09Options } from './options.ts';
import { pollGet, pollPost, type PollingKind } from './polling.ts';
import { SessionBridge, type BridgeContext, type VerifiedClient } from './session-bridge.ts';
import { WebSocketTransport } from './websocket.ts';
import { legacyWriter } from './writer.ts';

const PREFIX = '/socket.io/1';
/** How long shutdown waits for polling clients to collect their last packets. */
const SHUTDOWN_GRACE_MS = 1000;
/** `/socket.io/1/{transport}/{sid}`, with the trailing slash and empty transport of `?disconnect` URLs. */
const TRANSPORT_PATH = /^\/socket\.io\/1\/([a-z-]*)\/([A-Za-z0-9_-]{1,64})\/?$/;

interface Route {
  path: string;
  query: URLSearchParams;
}

function route(req: IncomingMessage): Route | undefined {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return undefined;
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  return query.has('EIO') ? undefined : { path, query };
}

export class Legacy09Server {
  /** Sockets by sid; a sid is also the id of its realtime session. */
  private readonly bridges = new Map<string, SessionBridge>();
  private readonly ctx: BridgeContext;
  private readonly websocket: WebSocketTransport;
  private closing = false;

  constructor(
    node: RealtimeNode,
    private readonly log: Logger,
    private readonly options: Readonly<Legacy09Options>,
    private readonly admission: Admission,
    private readonly addressOf: (req: IncomingMessage) => string,
  ) {
    this.ctx = { node, log, timing: options, writer: legacyWriter(this.bridges, options, node.observer) };
    this.websocket = new WebSocketTransport(options.maxBodyBytes);
  }

  get socketCount(): number {
    return this.bridges.size;
  }

  /** Takes the request if it is a 0.9 one; false leaves it to the next handler. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const r = route(req);
    if (!r) return false;
    this.serve(req, res, r).catch((err: unknown) => {
      this.log.error({ err, url: req.url }, 'legacy09: request failed');
      sendText(res, 500, 'server error');
    });
    return true;
  }

  /** Takes the upgrade if it is a 0.9 websocket; false leaves it to the next handler. */
  handleUpgrade(req: IncomingMessage, stream: Duplex, head: Buffer): boolean {
    const r = route(req);
    if (!r) return false;
    const m = TRANSPORT_PATH.exec(r.path);
    if (!m || m[1] !== 'websocket' || this.closing) {
      stream.on('error', () => {});
      stream.end(`HTTP/1.1 ${this.closing ? '503 Service Unavailable' : '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
      return true;
    }
    this.websocket.upgrade(req, stream, head, this.bridges.get(m[2]!)?.socket);
    return true;
  }

  /**
   * Stops taking handshakes, ends every socket and closes every websocket. Sockets already closing
   * with a last word for the client (drain's reason) get up to a second for their next poll.
   */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.bridges.values()].map((b) => b.socket);
    for (const socket of all) if (socket.state === 'open') socket.destroy();
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    const flushing = () => all.some((socket) => socket.state !== 'closed') && Date.now() < deadline;
    await Promise.all([
      this.websocket.close(),
      (async () => {
        while (flushing()) await new Promise((r) => setTimeout(r, 20));
      })(),
    ]);
    for (const socket of all) socket.destroy();
  }

  private async serve(req: IncomingMessage, res: ServerResponse, { path, query }: Route): Promise<void> {
    const cors = corsHeaders(req, this.options.corsOrigins);
    if (req.method === 'OPTIONS') {
      sendText(res, 204, '', {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type',
      });
      return;
    }
    if (path === PREFIX || path === `${PREFIX}/`) {
      if (req.method !== 'GET') return sendText(res, 405, 'method not allowed', { ...cors, Allow: 'GET, OPTIONS' });
      if (this.closing) return sendText(res, 503, 'server is shutting down', cors);
      const address = this.addressOf(req);
      return handshake(req, res, query, cors, {
        node: this.ctx.node,
        log: this.log,
        timing: this.options,
        admission: this.admission,
        address,
        createSocket: (client) => this.createSocket(client, address),
      });
    }
    const m = TRANSPORT_PATH.exec(path);
    if (!m) return sendText(res, 404, 'not found', cors);
    const [, transport = '', sid = ''] = m;
    const socket = this.bridges.get(sid)?.socket;
    // `?disconnect` URLs name no transport (0.9 clients' synchronous disconnect).
    const kind: PollingKind | undefined =
      transport === 'xhr-polling' || transport === 'jsonp-polling' ? transport : transport === '' && query.has('disconnect') ? 'xhr-polling' : undefined;
    if (!kind) return sendText(res, 400, 'transport not supported', cors);
    if (req.method === 'GET') return pollGet(kind, socket, query, res, cors, this.options);
    if (req.method === 'POST') return pollPost(kind, socket, req, res, cors, this.options);
    sendText(res, 405, 'method not allowed', { ...cors, Allow: 'GET, POST, OPTIONS' });
  }

  private createSocket(client: VerifiedClient, address: string): string {
    let sid = newSid();
    while (this.bridges.has(sid)) sid = newSid();
    this.admission.connected(address);
    const bridge = new SessionBridge(sid, client, this.ctx, (socket) => {
      this.bridges.delete(socket.sid);
      this.admission.disconnected(address);
      client.ticket.release();
    });
    this.bridges.set(sid, bridge);
    return sid;
  }
}
