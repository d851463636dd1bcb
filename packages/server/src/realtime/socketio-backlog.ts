/**
 * What waits for a socket.io client that is not reading: the packets engine.io holds for it (its
 * `writeBuffer`, flushed on the next poll or drain) and the bytes its WebSocket has handed to Node but
 * the kernel has not taken. engine.io keeps no byte count, so the buffer's bytes are counted here,
 * incrementally: engine.io only appends to the array and replaces it whole when it flushes, so each
 * packet is measured once.
 */
import type { Backlog } from './outbound-limits.ts';

/** The private engine.io / ws fields read here; checked at runtime, never assumed. */
interface EngineInternals {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { socket?: { bufferedAmount?: number } };
}

interface Counted {
  buffer: unknown[];
  counted: number;
  bytes: number;
}

const counts = new WeakMap<object, Counted>();

function packetBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** The backlog of one engine.io connection (a socket.io `socket.conn`). */
export function connectionBacklog(engineConnection: object): Backlog {
  const conn = engineConnection as EngineInternals;
  const buffer = conn.writeBuffer ?? [];
  let c = counts.get(conn);
  if (!c || c.buffer !== buffer || c.counted > buffer.length) {
    c = { buffer, counted: 0, bytes: 0 };
    counts.set(conn, c);
  }
  for (; c.counted < buffer.length; c.counted++) c.bytes += packetBytes(buffer[c.counted]?.data);
  const inFlight = conn.transport?.socket?.bufferedAmount;
  return { packets: buffer.length, bytes: c.bytes + (typeof inFlight === 'number' ? inFlight : 0) };
}
