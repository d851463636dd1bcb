/**
 * What waits for a socket.io client that is not reading: the packets engine.io holds for it (its
 * `writeBuffer`, flushed on the next poll or drain) and the bytes its WebSocket has handed to Node but
 * the kernel has not taken. engine.io keeps no byte count, so the buffer's bytes are counted here,
 * incrementally: engine.io only appends to the array and replaces it whole when it flushes, so each
 * packet is measured once. The count is keyed by the array itself (weakly): a flushed buffer and its
 * packets go when engine.io lets go of them, instead of staying with an idle connection until its next
 * packet (≈ 600 B per idle session: its last packets).
 */
import type { Backlog } from './outbound-limits.ts';

/** The private engine.io / ws fields read here; checked at runtime, never assumed. */
interface EngineInternals {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: { socket?: { bufferedAmount?: number } };
}

interface Counted {
  counted: number;
  bytes: number;
}

const counts = new WeakMap<unknown[], Counted>();

function packetBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** The backlog of one engine.io connection (a socket.io `socket.conn`). */
export function connectionBacklog(engineConnection: object): Backlog {
  const conn = engineConnection as EngineInternals;
  const buffer = conn.writeBuffer ?? [];
  const inFlight = conn.transport?.socket?.bufferedAmount;
  const sent = typeof inFlight === 'number' ? inFlight : 0;
  // Nearly always: nothing queued, nothing to remember.
  if (buffer.length === 0) return { packets: 0, bytes: sent };
  let c = counts.get(buffer);
  if (!c || c.counted > buffer.length) {
    c = { counted: 0, bytes: 0 };
    counts.set(buffer, c);
  }
  for (; c.counted < buffer.length; c.counted++) c.bytes += packetBytes(buffer[c.counted]?.data);
  return { packets: buffer.length, bytes: c.bytes + sent };
}
