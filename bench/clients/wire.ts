/**
 * One subscribed connection per call, in three dialects. The `eio` and `ws` dialects hand each data
 * message over as the raw frame bytes, and the receiver reads only the two numbers it needs, so that
 * the client side costs the same for every target and stays cheap next to the server it loads.
 */
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import type { ConnectSpec } from '../lib/ipc.ts';

/** Called per data message with its sequence number and send time (ms since the epoch). */
export type OnData = (seq: number, sentAt: number) => void;

export interface Conn {
  close(): void;
}

const SEQ_KEY = Buffer.from('"s":');
const TIME_KEY = Buffer.from('"t":');

/** Reads the JSON number after `key` in a frame without decoding the frame to a string. */
function numberAfter(buf: Buffer, key: Buffer): number {
  const at = buf.indexOf(key);
  if (at < 0) return NaN;
  let end = at + key.length;
  while (end < buf.length) {
    const c = buf[end]!;
    if ((c < 48 || c > 57) && c !== 46 && c !== 45 && c !== 101 && c !== 43) break; // digits . - e +
    end++;
  }
  return Number(buf.toString('latin1', at + key.length, end));
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
      resolve({ close: () => ws.terminate() });
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
        resolve({ close: () => socket.close() });
      } else if (answer.type === 'subscribe_error') fail(new Error(`subscribe refused: ${answer.message}`));
    });
    socket.onAny((event: string, data: { s?: number; t?: number }) => {
      if (event !== 'rtcs:channel') onData(data.s ?? NaN, data.t ?? NaN);
    });
  });
}
