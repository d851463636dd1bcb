/**
 * The canary of the private engine.io / ws / socket.io parts Parley leans on, at the exact versions
 * package.json pins: the fan-out fast path (socketio-broadcast.ts), the backlog count
 * (socketio-backlog.ts) and the inbound gate (socketio-connections.ts). An upgrade that renames or drops
 * one of them fails here, by name, instead of silently turning the fast path or a limit off.
 */
import { Socket as NetSocket } from 'node:net';
import * as ws from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessUrl, connectClient, connected, type AnyClient } from './support/rtcs-clients.ts';
import { startParley, type TestParley } from './support/start-parley.ts';

let tp: TestParley;
let client: AnyClient;
beforeAll(async () => {
  tp = await startParley();
  client = connectClient('4.x', await accessUrl(tp, 'canary'), ['websocket']);
  await connected(client);
});
afterAll(async () => {
  client?.close();
  await tp?.stop();
});

describe('private fields Parley reads', () => {
  it('are where the pinned engine.io, ws and socket.io keep them', async () => {
    await expect.poll(() => tp.parley.io.of('/socket.io/1/').sockets.size).toBe(1);
    const socket = [...tp.parley.io.of('/socket.io/1/').sockets.values()][0]!;
    const conn = socket.conn as unknown as Record<string, unknown> & { transport: Record<string, unknown> & { socket: Record<string, unknown> & { _sender: Record<string, unknown> } } };
    expect(conn.readyState).toBe('open');
    expect(typeof conn.upgrading).toBe('boolean');
    expect(Array.isArray(conn.writeBuffer)).toBe(true);
    expect(conn.transport.name).toBe('websocket');
    const wsSocket = conn.transport.socket;
    expect(wsSocket.readyState).toBe(1);
    expect(typeof wsSocket.bufferedAmount).toBe('number');
    expect(wsSocket._socket).toBeInstanceOf(NetSocket);
    expect(wsSocket._sender._state).toBe(0);
    expect(Array.isArray(wsSocket._sender._queue)).toBe(true);
    // socket.io reads client packets through the connection's `data` listener (wrapped by the gate).
    expect((socket.conn as unknown as { listeners(e: string): unknown[] }).listeners('data')).toHaveLength(1);
    expect(typeof (ws as unknown as { Sender?: { frame?: unknown } }).Sender?.frame).toBe('function');
    // Every outbound packet is announced before it is queued (the slow-consumer check hangs on it).
    const created: unknown[] = [];
    socket.conn.on('packetCreate', (p: unknown) => created.push(p));
    socket.emit('probe', 1);
    expect(created).toHaveLength(1);
  });
});
