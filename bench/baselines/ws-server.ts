/**
 * Baseline 2: a bare `ws` server. Clients send `{command, name}` JSON; a publish encodes
 * `[event, data]` and its WebSocket frame header once, then writes that one buffer to each
 * subscriber's TCP socket: the floor for a JSON fan-out over WebSocket in Node.
 */
import '../targets/heap-snapshot-responder.ts';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { createPublishServer, listenAndReport } from './publish-endpoint.ts';

const rooms = new Map<string, Set<Socket>>();

/** An unmasked, final text frame (RFC 6455 §5.2) around `payload`. */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x81, n]) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65_536) {
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(n, 2);
  } else if (n >= 65_536) {
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

const http = createPublishServer(
  ({ channels, event, data }) => {
    const frame = textFrame(Buffer.from(JSON.stringify([event, data])));
    if (channels.length === 1) {
      for (const socket of rooms.get(channels[0]!) ?? []) socket.write(frame);
      return;
    }
    const targets = new Set<Socket>();
    for (const c of channels) for (const s of rooms.get(c) ?? []) targets.add(s);
    for (const socket of targets) socket.write(frame);
  },
  () => wss.clients.size,
);

// The upgrade request's socket is the connection the WebSocket runs on; ws writes to it the same way.
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const socket = req.socket;
  const joined = new Set<string>();
  ws.on('message', (raw) => {
    let cmd: { command?: string; name?: string };
    try {
      cmd = JSON.parse(String(raw)) as typeof cmd;
    } catch {
      return;
    }
    const name = String(cmd.name ?? '');
    if (cmd.command === 'unsubscribe') {
      rooms.get(name)?.delete(socket);
      joined.delete(name);
    } else {
      let room = rooms.get(name);
      if (!room) rooms.set(name, (room = new Set()));
      room.add(socket);
      joined.add(name);
    }
    ws.send(JSON.stringify({ type: `${cmd.command === 'unsubscribe' ? 'unsubscribe' : 'subscribe'}_success`, name, message: 'ok' }));
  });
  ws.on('close', () => {
    for (const name of joined) rooms.get(name)?.delete(socket);
  });
});

listenAndReport(http);
