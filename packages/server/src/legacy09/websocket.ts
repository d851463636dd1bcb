/**
 * The websocket transport: `GET /socket.io/1/websocket/{sid}` upgraded by `ws` (noServer). One packet
 * per frame each way; a framed batch over a websocket is dropped, as 0.9 servers do. An unknown sid is
 * told `7:::1+0` (not handshaken, reconnect) before the close.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Backlog } from '../realtime/outbound-limits.ts';
import { NOT_HANDSHAKEN } from './polling.ts';
import type { LegacySocket, OutboundPacket, TransportLink } from './socket.ts';

/** How long a websocket may take to answer our close frame at shutdown before it is cut. */
const CLOSE_GRACE_MS = 1000;

class WebSocketLink implements TransportLink {
  readonly name = 'websocket';
  /** One frame per packet: nothing is joined, so a write needs no cap. */
  readonly writeMaxBytes = Number.POSITIVE_INFINITY;
  private inFlight = 0;

  constructor(private readonly ws: WebSocket) {}

  writable(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  write(packets: readonly OutboundPacket[]): void {
    for (const packet of packets) {
      this.inFlight++;
      this.ws.send(packet.text, () => this.inFlight--);
    }
  }

  /** Frames not yet handed to the kernel, and the bytes `ws` and Node still hold for them. */
  pending(): Backlog {
    return { packets: this.inFlight, bytes: this.ws.bufferedAmount };
  }

  close(): void {
    this.ws.close();
  }
}

function text(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

export class WebSocketTransport {
  private readonly wss: WebSocketServer;

  constructor(maxPayload: number) {
    // No compression: 0.9 clients never negotiate it, and it would cost memory per connection.
    this.wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: true });
  }

  upgrade(req: IncomingMessage, stream: Duplex, head: Buffer, socket: LegacySocket | undefined): void {
    stream.on('error', () => {}); // a reset during the upgrade is the client's problem, not a crash
    this.wss.handleUpgrade(req, stream, head, (ws) => {
      ws.on('error', () => {}); // 'close' follows every error
      if (!socket || socket.state === 'closed') {
        ws.send(NOT_HANDSHAKEN);
        ws.close();
        return;
      }
      const link = new WebSocketLink(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const packet = text(data);
        if (packet.charCodeAt(0) === 0xfffd) return;
        socket.receive([packet]);
      });
      ws.on('close', () => socket.detach(link));
      socket.attach(link);
    });
  }

  /** Closes every websocket, cutting those that do not answer in time. */
  close(): Promise<void> {
    const open = [...this.wss.clients];
    if (open.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = open.length;
      const done = () => {
        if (--left === 0) {
          clearTimeout(deadline);
          resolve();
        }
      };
      const deadline = setTimeout(() => {
        for (const ws of open) ws.terminate();
      }, CLOSE_GRACE_MS);
      for (const ws of open) {
        if (ws.readyState === WebSocket.CLOSED) done();
        else {
          ws.once('close', done);
          ws.close(1001);
        }
      }
    });
  }
}
