/**
 * The fast path's writes are corked until the end of the event-loop turn: the frames of the
 * publications handled in one turn reach a socket in one write, in order, and the next turn's in
 * another. Checked on a real loopback TCP pair, counting the writes Node hands to the kernel.
 */
import { createServer, connect, type Server, type Socket as NetSocket } from 'node:net';
import type { Namespace, Socket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Payload } from './payload.ts';
import { FrameWriter } from './socketio-broadcast.ts';

/** A socket.io socket as the fast path reads it: open on an idle WebSocket transport over `tcp`. */
function idleSocketOver(tcp: NetSocket): Socket {
  const ws = { readyState: 1, _sender: { _state: 0, _queue: [] }, _socket: tcp };
  return { conn: { readyState: 'open', upgrading: false, writeBuffer: [], transport: { name: 'websocket', socket: ws } } } as unknown as Socket;
}

describe('fast-path writes', () => {
  let server: Server;
  let sending: NetSocket;
  let received: Buffer[];
  let writes: number;
  const nsp = { name: '/' } as Namespace;

  beforeEach(async () => {
    received = [];
    const accepted = new Promise<NetSocket>((resolve) => {
      server = createServer(resolve);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    client.on('data', (chunk: Buffer) => received.push(chunk));
    sending = await accepted;
    // Every write Node passes down to the handle, one buffer or several.
    writes = 0;
    const tcp = sending as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const write = tcp._write.bind(sending);
    const writev = tcp._writev.bind(sending);
    tcp._write = (...a) => (writes++, write(...a));
    tcp._writev = (...a) => (writes++, writev(...a));
  });
  afterEach(async () => {
    sending.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const frames = (count: number, from: number) => Array.from({ length: count }, (_, i) => new FrameWriter(nsp, 'tick', Payload.of([{ seq: from + i }])));
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const seqs = () => [...Buffer.concat(received).toString('latin1').matchAll(/"seq":(\d+)/g)].map((m) => Number(m[1]));

  it("sends one turn's frames in one write, in order, and the next turn's in another", async () => {
    const socket = idleSocketOver(sending);
    for (const writer of frames(5, 0)) expect(writer.tryWrite(socket)).toBe(true);
    expect(writes).toBe(0);
    await turn();
    expect(writes).toBe(1);
    for (const writer of frames(3, 5)) writer.tryWrite(socket);
    await turn();
    expect(writes).toBe(2);
    await expect.poll(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('leaves a socket that is not idle to socket.io', () => {
    const socket = idleSocketOver(sending);
    (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.push('queued');
    expect(frames(1, 0)[0]!.tryWrite(socket)).toBe(false);
  });
});
