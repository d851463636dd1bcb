/**
 * What an engine.io connection keeps of its handshake once it is open. engine.io holds the handshake's
 * IncomingMessage for the connection's life (`conn.request`, socket.io's `socket.request`), though only
 * the `handshake` of a namespace socket reads it afterwards: the headers (Parley reads `origin` alone),
 * the query engine.io parsed (the access parameters) and whether it came over TLS. Raw headers, stream
 * state, listeners, the URL and the other headers were ≈ 1.5 KiB per idle session; `handshake.url` is
 * left undefined and `handshake.headers` holds `origin` only. Two things of the WebSocket upgrade stay
 * behind as well: the stand-in response engine.io hands its middlewares (held by a `close` listener on
 * the TCP socket, and holding the request) and a no-op `error` listener on the WebSocket. socket.io's
 * memory-usage guide suggests dropping the request; this keeps what is read.
 *
 * The listeners are found by what engine.io 6.6 (pinned) writes; socketio-handshake.test.ts fails if an
 * upgrade changes them, rather than the memory quietly coming back.
 */
import { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { EngineConnection } from './socketio-connections.ts';

/** What socket.io's Socket#buildHandshake reads of the request, less its url and the headers Parley does not read. */
interface HandshakeRequest {
  headers: IncomingMessage['headers'];
  /** engine.io's parsed query. */
  _query: unknown;
  connection: { encrypted: boolean };
}

type Listener = (...args: unknown[]) => void;

/** The headers of a handshake without an Origin (no browser's): one object for all of them. */
const NO_HEADERS: IncomingMessage['headers'] = Object.freeze({});

/** The engine.io / ws / net objects reached here; checked at runtime, never assumed. */
interface EngineInternals {
  request?: IncomingMessage & { _query?: unknown };
  transport?: { name?: string; socket?: { listeners?(event: string): Listener[]; removeListener?(event: string, fn: Listener): void; _socket?: { rawListeners(event: string): Listener[]; removeListener(event: string, fn: Listener): void } } };
}

/** engine.io's WebSocketResponse forwards the TCP socket's `close` to itself with this listener. */
const RESPONSE_CLOSE_SOURCE = '() => this.emit("close")';
/** engine.io's `error` listener for a WebSocket before it becomes a transport (it only logs). */
const UPGRADE_ERROR_NAME = 'onUpgradeError';

/**
 * Replaces the connection's handshake request with the few fields socket.io reads later and lets go
 * of the upgrade's leftovers. Call once the connection is open and its address was read from the request.
 * Returns what was let go (for the canary test).
 */
export function releaseHandshake(connection: EngineConnection): { request: boolean; response: boolean; upgradeListener: boolean } {
  const conn = connection as unknown as EngineInternals;
  const req = conn.request;
  let request = false;
  if (req instanceof IncomingMessage) {
    const { origin } = req.headers;
    const slim: HandshakeRequest = {
      headers: origin === undefined ? NO_HEADERS : { origin },
      // Copied: the parsed values are slices of the whole query string, which they would keep.
      _query: JSON.parse(JSON.stringify(req._query ?? {})) as unknown,
      connection: { encrypted: (req.socket as TLSSocket | null)?.encrypted === true },
    };
    (conn as { request?: unknown }).request = slim;
    request = true;
  }
  let response = false;
  let upgradeListener = false;
  const ws = conn.transport?.name === 'websocket' ? conn.transport.socket : undefined;
  const tcp = ws?._socket;
  if (tcp) {
    for (const l of tcp.rawListeners('close')) {
      const fn = (l as Listener & { listener?: Listener }).listener ?? l;
      if (fn.toString() === RESPONSE_CLOSE_SOURCE) {
        tcp.removeListener('close', l);
        response = true;
      }
    }
  }
  for (const l of ws?.listeners?.('error') ?? []) {
    if (l.name === UPGRADE_ERROR_NAME) {
      ws!.removeListener!('error', l);
      upgradeListener = true;
    }
  }
  return { request, response, upgradeListener };
}
