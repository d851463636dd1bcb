/**
 * One subscribed connection per call, in three dialects, and chat (GitpleLive SDK) connections. The `eio`
 * and `ws` dialects hand each data message over as the raw frame bytes, and the receiver reads only the
 * two numbers it needs, so that the client side costs the same for every target and stays cheap next to
 * the server it loads.
 */
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import type { ChatAuth, ConnectSpec } from '../lib/ipc.ts';

/** Called per data message with its sequence number and send time (ms since the epoch). */
export type OnData = (seq: number, sentAt: number) => void;

export interface Conn {
  /** Drops the connection at once (no goodbye, as a client that vanishes). */
  close(): void;
  /** Leaves cleanly: socket.io DISCONNECT packet and WebSocket close handshake; resolves once closed. */
  end(): Promise<void>;
}

const SEQ_KEY = Buffer.from('"s":');
const TIME_KEY = Buffer.from('"t":');
/** A chat message event as the thin client sees it: `42["group:message_send",{message},{channel}]`. */
const CHAT_MESSAGE_HEAD = Buffer.from('42["group:message_send",');
const END_TIMEOUT_MS = 5000;

/**
 * Reads the JSON number after `key` in a frame without decoding the frame to a string. The number may
 * be quoted: chat meta values are strings, so a chat message carries `"meta":{"s":"12","t":"1732…"}`.
 */
function numberAfter(buf: Buffer, key: Buffer): number {
  const at = buf.indexOf(key);
  if (at < 0) return NaN;
  let end = at + key.length;
  if (buf[end] === 0x22 /* " */) end++;
  const start = end;
  while (end < buf.length) {
    const c = buf[end]!;
    if ((c < 48 || c > 57) && c !== 46 && c !== 45 && c !== 101 && c !== 43) break; // digits . - e +
    end++;
  }
  return end > start ? Number(buf.toString('latin1', start, end)) : NaN;
}

/** Closes a WebSocket with the close handshake, after `goodbye` (if any); terminates it if that stalls. */
function endSocket(ws: WebSocket, goodbye?: string): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), END_TIMEOUT_MS);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WebSocket.OPEN) {
      if (goodbye) ws.send(goodbye);
      ws.close(1000);
    } else ws.terminate();
  });
}

/** Connects, subscribes to `channel`, and resolves once the subscription is confirmed. */
export function openConnection(spec: ConnectSpec, channel: string, onData: OnData, timeoutMs = 20_000): Promise<Conn> {
  if (spec.protocol === 'sio') return openSocketIoClient(spec.url, channel, onData, timeoutMs);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(spec.url, { perMessageDeflate: false });
    let subscribed = false;
    const timer = setTimeout(() => fail(new Error('handshake timed out')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const subscribedNow = () => {
      subscribed = true;
      clearTimeout(timer);
      resolve({ close: () => ws.terminate(), end: () => endSocket(ws, spec.protocol === 'eio' ? '41' : undefined) });
    };
    const command = JSON.stringify({ command: 'subscribe', name: channel });
    ws.on('error', (err) => (subscribed ? undefined : fail(err)));
    ws.on('close', () => (subscribed ? undefined : fail(new Error('closed during handshake'))));

    if (spec.protocol === 'ws') {
      ws.on('open', () => ws.send(command));
      ws.on('message', (buf: Buffer) => {
        if (subscribed) onData(numberAfter(buf, SEQ_KEY), numberAfter(buf, TIME_KEY));
        else if (buf.includes('subscribe_success')) subscribedNow();
        else fail(new Error(`subscribe refused: ${buf.toString()}`));
      });
      return;
    }

    // engine.io v4: "0" open, "2" ping → "3" pong, "4" message; socket.io inside: "0" connect, "2" event, "4" error.
    ws.on('message', (buf: Buffer) => {
      const eio = buf[0];
      if (eio === 0x34 /* 4 */) {
        const sio = buf[1];
        if (sio === 0x32 /* 2 */) {
          if (subscribed) onData(numberAfter(buf, SEQ_KEY), numberAfter(buf, TIME_KEY));
          else if (buf.includes('subscribe_success')) subscribedNow();
          else if (buf.includes('subscribe_error')) fail(new Error(`subscribe refused: ${buf.toString()}`));
        } else if (sio === 0x30 /* 0 */) ws.send(`42${JSON.stringify(['rtcs:channel', JSON.parse(command)])}`);
        else if (sio === 0x34 /* 4 */) fail(new Error(`connection refused: ${buf.toString()}`));
      } else if (eio === 0x32 /* 2 */) ws.send('3');
      else if (eio === 0x30 /* 0 */) ws.send('40');
    });
  });
}

function openSocketIoClient(url: string, channel: string, onData: OnData, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs });
    const timer = setTimeout(() => fail(new Error('handshake timed out')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    };
    socket.on('connect_error', fail);
    socket.on('connect', () => socket.emit('rtcs:channel', { command: 'subscribe', name: channel }));
    socket.on('rtcs:channel', (answer: { type?: string; name?: string; message?: string }) => {
      if (answer.name !== channel) return;
      if (answer.type === 'subscribe_success') {
        clearTimeout(timer);
        resolve({ close: () => socket.close(), end: async () => void socket.close() });
      } else if (answer.type === 'subscribe_error') fail(new Error(`subscribe refused: ${answer.message}`));
    });
    socket.onAny((event: string, data: { s?: number; t?: number }) => {
      if (event !== 'rtcs:channel') onData(data.s ?? NaN, data.t ?? NaN);
    });
  });
}

/**
 * A chat connection as the SDK makes it: the socket.io CONNECT packet carries `{app_id, user_id, token}`
 * (`40{json}`); resolves once the server accepted it. `group:message_send` events are handed over with
 * the `s` and `t` the sender put in the message's meta.
 */
export function openChatConnection(spec: ConnectSpec, auth: ChatAuth, onData: OnData, timeoutMs = 20_000): Promise<Conn> {
  if (spec.protocol === 'sio') return openChatSocketIoClient(spec.url, auth, onData, timeoutMs);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(spec.url, { perMessageDeflate: false });
    let connected = false;
    const timer = setTimeout(() => fail(new Error('handshake timed out')), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on('error', (err) => (connected ? undefined : fail(err)));
    ws.on('close', () => (connected ? undefined : fail(new Error('closed during handshake'))));
    ws.on('message', (buf: Buffer) => {
      const eio = buf[0];
      if (eio === 0x34 /* 4 */) {
        const sio = buf[1];
        if (sio === 0x32 /* 2 */) {
          if (buf.compare(CHAT_MESSAGE_HEAD, 0, CHAT_MESSAGE_HEAD.length, 0, CHAT_MESSAGE_HEAD.length) === 0) onData(numberAfter(buf, SEQ_KEY), numberAfter(buf, TIME_KEY));
        } else if (sio === 0x30 /* 0 */ && !connected) {
          connected = true;
          clearTimeout(timer);
          resolve({ close: () => ws.terminate(), end: () => endSocket(ws, '41') });
        } else if (sio === 0x34 /* 4 */) fail(new Error(`connection refused: ${buf.toString()}`));
      } else if (eio === 0x32 /* 2 */) ws.send('3');
      else if (eio === 0x30 /* 0 */) ws.send(`40${JSON.stringify(auth)}`);
    });
  });
}

function openChatSocketIoClient(url: string, auth: ChatAuth, onData: OnData, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs, auth: { ...auth } });
    socket.on('connect_error', (err) => {
      socket.close();
      reject(err);
    });
    socket.on('connect', () => resolve({ close: () => socket.close(), end: async () => void socket.close() }));
    socket.on('group:message_send', (message: { meta?: { s?: string; t?: string } }) => onData(Number(message.meta?.s ?? NaN), Number(message.meta?.t ?? NaN)));
  });
}
