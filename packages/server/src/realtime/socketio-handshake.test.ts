import { createServer, IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineConnection } from './socketio-connections.ts';
import { releaseHandshake } from './socketio-handshake.ts';

let http: HttpServer;
let io: Server;
let url: string;
const clients: ClientSocket[] = [];

beforeEach(async () => {
  http = createServer();
  io = new Server(http, { cors: { origin: true } });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

const nextSocket = (): Promise<Socket> => new Promise((resolve) => io.once('connection', resolve));

describe('releaseHandshake', () => {
  it('lets go of a WebSocket connection’s request and upgrade leftovers, and socket.io still reads its handshake', async () => {
    const released = new Promise<ReturnType<typeof releaseHandshake>>((resolve) => io.engine.once('connection', (conn: EngineConnection) => resolve(releaseHandshake(conn))));
    const socket = nextSocket();
    clients.push(connect(url, { transports: ['websocket'], query: { s: 'sig', u: 'alice' }, auth: { token: 't' }, extraHeaders: { origin: 'https://app.example' } }));
    expect(await released).toEqual({ request: true, response: true, upgradeListener: true });
    const s = await socket;
    expect(s.request).not.toBeInstanceOf(IncomingMessage);
    expect(s.handshake.query).toMatchObject({ s: 'sig', u: 'alice', EIO: '4', transport: 'websocket' });
    expect(s.handshake.auth).toEqual({ token: 't' });
    expect(s.handshake.headers).toEqual({ origin: 'https://app.example' });
    expect(s.handshake.secure).toBe(false);
    // The TCP socket's own close still ends the session.
    const gone = new Promise((resolve) => s.on('disconnect', resolve));
    clients[0]!.disconnect();
    await gone;
  });

  it('lets go of a polling connection’s request, and of its upgrade’s leftovers once it upgrades', async () => {
    let conn: EngineConnection | undefined;
    const released = new Promise<ReturnType<typeof releaseHandshake>>((resolve) =>
      io.engine.once('connection', (c: EngineConnection) => {
        conn = c;
        resolve(releaseHandshake(c));
      }),
    );
    const socket = nextSocket();
    clients.push(connect(url, { transports: ['polling', 'websocket'], query: { s: 'sig' } }));
    // engine.io removes its own upgrade-error listener when a polling connection upgrades.
    expect(await released).toEqual({ request: true, response: false, upgradeListener: false });
    expect((await socket).handshake.query).toMatchObject({ s: 'sig' });
    const upgraded = await new Promise<ReturnType<typeof releaseHandshake>>((resolve) => conn!.once('upgrade', () => resolve(releaseHandshake(conn!))));
    expect(upgraded).toEqual({ request: false, response: true, upgradeListener: false });
  });
});
