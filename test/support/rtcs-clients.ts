/**
 * Real socket.io clients of several generations for end-to-end tests, behind one small interface, plus
 * helpers to request access URLs and publish through the Service API.
 */
import { createRequire } from 'node:module';
import { io as ioV4 } from 'socket.io-client';
import type { TestParley } from './start-parley.ts';

const require = createRequire(import.meta.url);

/** The part of a socket.io client of any generation the tests use. */
export interface AnyClient {
  readonly generation: string;
  on(event: string, listener: (...args: unknown[]) => void): void;
  off(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  close(): void;
}

interface LegacyIo {
  (url: string, opts?: Record<string, unknown>): LegacySocket;
}
interface LegacySocket {
  on(event: string, listener: (...args: unknown[]) => void): void;
  off?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  close(): void;
}

export type Generation = '4.x' | '2.x' | '1.x';

/** The library socket behind each client, for transportIds(). */
const librarySockets = new WeakMap<AnyClient, LegacySocket>();

/** Connects with the access URL verbatim, as an application would: `io(url)`. */
export function connectClient(generation: Generation, url: string, transports?: string[]): AnyClient {
  let socket: LegacySocket;
  const opts: Record<string, unknown> = { forceNew: true, reconnection: false };
  if (transports) opts.transports = transports;
  if (generation === '4.x') socket = ioV4(url, opts) as unknown as LegacySocket;
  else {
    const io = require(generation === '2.x' ? 'sio2' : 'sio1') as LegacyIo;
    socket = io(url, opts);
  }
  const client: AnyClient = {
    generation,
    on: (e, l) => socket.on(e, l),
    off: (e, l) => socket.removeListener(e, l),
    emit: (e, ...a) => socket.emit(e, ...a),
    close: () => socket.close(),
  };
  librarySockets.set(client, socket);
  return client;
}

/**
 * The ids a connected client's transports know it by — its socket.io socket id and its engine.io sid —
 * as the client library holds them: secrets of its connection, which no other client may ever see.
 */
export function transportIds(client: AnyClient): string[] {
  const socket = librarySockets.get(client) as { id?: unknown; io?: { engine?: { id?: unknown } } } | undefined;
  return [socket?.id, socket?.io?.engine?.id].filter((id): id is string => typeof id === 'string' && id !== '');
}

/** Resolves with the first `event` whose arguments satisfy `match`; rejects after `ms`. */
export function waitFor<T = unknown>(client: AnyClient, event: string, match: (data: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      const data = args[0] as T;
      if (!match(data)) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(data);
    };
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`${client.generation} client: no ${event} within ${ms} ms`));
    }, ms);
    client.on(event, listener);
  });
}

/** Collects every `event` payload the client receives. */
export function collect<T = unknown>(client: AnyClient, event: string): T[] {
  const out: T[] = [];
  client.on(event, (data: unknown) => out.push(data as T));
  return out;
}

/** Asserts that nothing matching arrives within `ms`. */
export async function expectSilence(client: AnyClient, event: string, ms = 300, match: (d: unknown) => boolean = () => true): Promise<void> {
  const got: unknown[] = [];
  const listener = (d: unknown) => {
    if (match(d)) got.push(d);
  };
  client.on(event, listener);
  await new Promise((r) => setTimeout(r, ms));
  client.off(event, listener);
  if (got.length > 0) throw new Error(`expected no ${event}, got ${JSON.stringify(got)}`);
}

/** A Service API call to a server (`tp`: a TestParley, or any `{url, apiKey}` such as a cluster node). */
export async function api(tp: Pick<TestParley, 'url' | 'apiKey'>, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const init: RequestInit = { method, headers: { 'x-nhn-apikey': tp.apiKey, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${tp.url}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

export async function accessUrl(tp: TestParley, user: string, channels: string[] = [], appId = tp.appId, apiKey = tp.apiKey): Promise<string> {
  const res = await api(tp, 'POST', `/v2/auth/${appId}/access`, { user, channels }, { 'x-nhn-apikey': apiKey });
  if (res.status !== 200) throw new Error(`access failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { url: string }).url;
}

export async function publish(tp: TestParley, channels: string[], event: string, data: unknown, appId = tp.appId, apiKey = tp.apiKey) {
  return api(tp, 'POST', `/v2/event/${appId}/channel`, { channels, event, data }, { 'x-nhn-apikey': apiKey });
}

/** Connects and resolves once the client is connected (or rejects with the refusal). */
export function connected(client: AnyClient, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${client.generation}: not connected within ${ms} ms`)), ms);
    client.on('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    const fail = (err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    client.on('connect_error', fail);
    client.on('error', fail);
  });
}

export interface ChannelResultMsg {
  type: string;
  name: string;
  message: string;
  members?: Record<string, string>;
  info?: { session: string; user: string };
}

export async function subscribe(client: AnyClient, name: string): Promise<ChannelResultMsg> {
  const answer = waitFor<ChannelResultMsg>(client, 'rtcs:channel', (d) => d.name === name && d.type.startsWith('subscribe_'));
  client.emit('rtcs:channel', { command: 'subscribe', name });
  return answer;
}
