/**
 * A realtime session: one connected client of one app, whatever transport carries it. Transports
 * create sessions and hand the hub a writer; the hub never sees a socket.
 */
import type { MemberMap } from '@parley/protocol';

/**
 * Writes events to sessions of one transport. `deliver` gets every target of one publication at once so
 * that the transport can encode the packet a single time and write the same bytes to each socket.
 */
export interface SessionWriter {
  deliver(sessions: readonly Session[], event: string, data: unknown): void;
}

/**
 * - `kick`: a deliberate disconnect (flooding): client libraries do not reconnect by themselves.
 * - `reconnect`: flush, then close like a lost connection, so clients reconnect (elsewhere) — shutdown.
 * - `drop`: close at once without flushing (a client that does not read would never drain).
 */
export type CloseMode = 'kick' | 'reconnect' | 'drop';

export interface SessionInit {
  id: string;
  appId: string;
  user: string;
  via: string;
  /** Origin header of the connecting client (webhook detail). */
  origin: string;
  /** Transport name for metrics and logs: `websocket`, `polling`, `legacy09-websocket`, … */
  transport: string;
  /** Channels pre-authorised by the access URL. */
  granted: readonly string[];
  writer: SessionWriter;
  /**
   * Closes the client's connection, telling it `reason` where it can still hear it; the transport then
   * reports the disconnect to the node. See CloseMode.
   */
  close(reason: string, mode: CloseMode): void;
}

export class Session {
  readonly id: string;
  readonly appId: string;
  readonly user: string;
  readonly via: string;
  readonly origin: string;
  readonly transport: string;
  readonly granted: ReadonlySet<string>;
  readonly writer: SessionWriter;
  /** Channels this session is subscribed to. Owned by the hub. */
  readonly channels = new Set<string>();
  private readonly closer: (reason: string, mode: CloseMode) => void;
  closed = false;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.appId = init.appId;
    this.user = init.user;
    this.via = init.via;
    this.origin = init.origin;
    this.transport = init.transport;
    this.granted = new Set(init.granted);
    this.writer = init.writer;
    this.closer = init.close;
  }

  send(event: string, data: unknown): void {
    if (!this.closed) this.writer.deliver([this], event, data);
  }

  close(reason: string, mode: CloseMode): void {
    if (!this.closed) this.closer(reason, mode);
  }
}

export type { MemberMap };
