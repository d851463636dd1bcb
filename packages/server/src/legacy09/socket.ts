/**
 * A socket.io 0.9 socket: what a handshake's sid names. It outlives its transports — a websocket, or
 * one long poll after another — buffering packets while none is attached, and runs the protocol's
 * timers: the close timeout (no transport), the server's heartbeats, and the heartbeat timeout (a
 * client silent too long). What the packets mean is the handler's business (session-bridge.ts).
 */
import type { Backlog } from '../realtime/outbound-limits.ts';
import { decodePacket, type Packet } from './codec.ts';
import type { Legacy09Timing } from './options.ts';

export type TransportName = 'websocket' | 'xhr-polling' | 'jsonp-polling';

/** One transport connection as the socket sees it. */
export interface TransportLink {
  readonly name: TransportName;
  /** False once the connection is closing: packets then stay in the socket's buffer. */
  writable(): boolean;
  /**
   * The most bytes one write may carry (a poll answer is capped; a websocket takes one frame per
   * packet); a single larger packet still goes, alone.
   */
  readonly writeMaxBytes: number;
  /** Writes packets in order; a polling link answers its request with them and detaches itself. */
  write(packets: readonly OutboundPacket[]): void;
  /** Packets and bytes handed to the connection but not yet written out (a client that does not read). */
  pending(): Backlog;
  /** Ends the connection: closes the websocket, or answers the held poll with a noop. */
  close(): void;
}

export interface SocketHandler {
  /** The first transport connected; `1::` is on its way to the client. */
  connected(socket: LegacySocket): void;
  /** A well-formed client packet. */
  packet(socket: LegacySocket, packet: Packet): void;
  /** A client packet that does not decode (ignored; reported for logs). */
  malformed(socket: LegacySocket, reason: string): void;
  /** The socket stopped taking and sending packets: left, timed out or closed by the server. Once. */
  closed(socket: LegacySocket, reason: string): void;
}

/** An encoded packet and its size in UTF-8 bytes (measured once, where the packet is made). */
export interface OutboundPacket {
  text: string;
  bytes: number;
}

/** `open` → `closing` (the session is over, buffered packets may still go out) → `closed`. */
export type SocketState = 'open' | 'closing' | 'closed';

function timer(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setTimeout(fn, ms);
  t.unref();
  return t;
}

export class LegacySocket {
  state: SocketState = 'open';
  /** Name of the first transport (for metrics), then of the current one. */
  transportName: TransportName | undefined;
  private connected = false;
  private buffer: OutboundPacket[] = [];
  private bufferBytes = 0;
  private link: TransportLink | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private heartbeats: NodeJS.Timeout | undefined;
  private liveness: NodeJS.Timeout | undefined;

  constructor(
    readonly sid: string,
    private readonly timing: Legacy09Timing,
    private readonly handler: SocketHandler,
    private readonly onDestroyed: (socket: LegacySocket) => void,
  ) {
    // A handshake that no transport follows expires like a dropped transport.
    this.armCloseTimer();
  }

  /** What waits for this client: buffered here plus not yet written out by the transport. */
  backlog(): Backlog {
    const pending = this.link?.pending();
    return { packets: this.buffer.length + (pending?.packets ?? 0), bytes: this.bufferBytes + (pending?.bytes ?? 0) };
  }

  /** A transport connected for this sid; it replaces any previous one. */
  attach(link: TransportLink): void {
    if (this.state === 'closed') {
      link.close();
      return;
    }
    const previous = this.link;
    this.link = link;
    this.transportName = link.name;
    previous?.close();
    clearTimeout(this.closeTimer);
    if (!this.connected && this.state === 'open') {
      this.connected = true;
      this.buffer.unshift({ text: '1::', bytes: 3 });
      this.bufferBytes += 3;
      this.startHeartbeats();
      this.handler.connected(this);
    }
    this.flush();
    if (this.state === 'closing' && this.buffer.length === 0) this.destroy();
  }

  /** The transport's connection ended (or its poll was answered): buffer until the next one. */
  detach(link: TransportLink): void {
    if (this.link !== link) return;
    this.link = undefined;
    if (this.state !== 'closed') this.armCloseTimer();
  }

  /** Queues one encoded packet for the client and writes it if a transport can take it. */
  send(packet: string, bytes = Buffer.byteLength(packet)): void {
    if (this.state !== 'open') return;
    this.buffer.push({ text: packet, bytes });
    this.bufferBytes += bytes;
    this.flush();
  }

  /** Raw packets from the client, in order. */
  receive(raws: readonly string[]): void {
    for (const raw of raws) {
      if (this.state !== 'open') return;
      const decoded = decodePacket(raw);
      if (!decoded.ok) {
        this.handler.malformed(this, decoded.reason);
        continue;
      }
      // Any packet proves the client alive, not only heartbeat answers.
      this.armLiveness();
      this.handler.packet(this, decoded.value);
    }
  }

  /**
   * Ends the session. With `flush`, packets already queued (a reason, `0::`) still reach the client:
   * at once over a websocket, or on its next poll within the close timeout.
   */
  close(reason: string, flush: boolean): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    clearInterval(this.heartbeats);
    clearTimeout(this.liveness);
    this.handler.closed(this, reason);
    if (!flush) this.clearBuffer();
    this.flush();
    if (this.buffer.length === 0 || this.link) this.destroy();
  }

  /** Stops everything at once and forgets the sid. */
  destroy(): void {
    if (this.state === 'open') this.close('server closed the socket', false);
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.closeTimer);
    this.clearBuffer();
    const link = this.link;
    this.link = undefined;
    link?.close();
    this.onDestroyed(this);
  }

  /** Hands the link what it can take in one write; a capped poll leaves the rest for the next one. */
  private flush(): void {
    const link = this.link;
    if (!link || this.buffer.length === 0 || !link.writable()) return;
    let n = 0;
    let bytes = 0;
    while (n < this.buffer.length && (n === 0 || bytes + this.buffer[n]!.bytes <= link.writeMaxBytes)) bytes += this.buffer[n++]!.bytes;
    const packets = n === this.buffer.length ? this.buffer : this.buffer.slice(0, n);
    this.buffer = n === this.buffer.length ? [] : this.buffer.slice(n);
    this.bufferBytes -= bytes;
    link.write(packets);
  }

  private clearBuffer(): void {
    this.buffer = [];
    this.bufferBytes = 0;
  }

  private armCloseTimer(): void {
    clearTimeout(this.closeTimer);
    this.closeTimer = timer(this.timing.closeTimeoutMs, () => {
      if (this.state === 'open') this.close('close timeout', false);
      else this.destroy();
    });
  }

  private startHeartbeats(): void {
    this.heartbeats = setInterval(() => this.send('2::'), this.timing.heartbeatIntervalMs);
    this.heartbeats.unref();
    this.armLiveness();
  }

  private armLiveness(): void {
    clearTimeout(this.liveness);
    this.liveness = timer(this.timing.heartbeatTimeoutMs, () => this.close('heartbeat timeout', false));
  }
}
