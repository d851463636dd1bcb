/**
 * The servers under test, each in its own process: Parley (its real main.ts), a bare socket.io server and
 * a bare ws server. A Target knows how a load client reaches it, its process and its session count.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectSpec, ReadyMessage } from './ipc.ts';
import { forkTs, freePort, nextMessage, stopChild } from './children.ts';
import { heapSnapshotOf, type HeapSummary } from './heap-snapshot.ts';
import { sleep } from './proc.ts';
import { postJson } from './publisher.ts';

export type TargetKind = 'parley' | 'socketio' | 'ws';
export const TARGET_LABELS: Record<TargetKind, string> = { parley: 'Parley', socketio: 'bare socket.io', ws: 'bare ws' };

/** `thin`: the cheap wire-level client (lib/ipc.ts `eio`); `socket.io-client`: the real `io(url)`. */
export type ClientMode = 'thin' | 'socket.io-client';

export const BENCH_APP_ID = 'bench';
export const BENCH_API_KEY = 'benchkey';

export interface Target {
  kind: TargetKind;
  pid: number;
  baseUrl: string;
  /** The app publications and access URLs are for (the baselines ignore it). */
  appId: string;
  /** How a client connects as `user` (Parley hands out a signed access URL). */
  connectSpec(user: string, mode: ClientMode): Promise<ConnectSpec>;
  /** Connected clients as the server counts them (Parley: its `parley_connections` metric). */
  sessions(): Promise<number>;
  /** A heap snapshot of the server process, summed by holder (lib/heap-snapshot.ts). */
  heap(): Promise<HeapSummary>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra server environment, e.g. DATABASE_URL and REDIS_URL for Parley. */
  env?: Record<string, string>;
  /** Parley's bootstrap app (default `bench`): a cluster run takes its own so its Redis keys are its own. */
  appId?: string;
}

/**
 * Parley's own protections off or out of reach: the harness is one IP and one app sending far more than
 * a real client would (0 = no REST rate limit; socket events are only subscribes here).
 */
const PARLEY_BENCH_ENV = {
  RATE_LIMIT_IP_PER_S: '0',
  RATE_LIMIT_APP_PER_S: '0',
  SOCKET_EVENTS_PER_S: '1000000',
  SOCKET_EVENTS_BURST: '1000000',
  // Every load client connects from 127.0.0.1, many with one access URL.
  ACCESS_URL_MAX_SESSIONS: '1000000',
  USER_MAX_SESSIONS: '1000000',
  IP_MAX_SESSIONS: '0',
  HANDSHAKES_PER_IP_PER_S: '0',
  CONNECTIONS_PER_IP_MAX: '0',
};

export async function startTarget(kind: TargetKind, options: StartOptions = {}): Promise<Target> {
  return kind === 'parley' ? startParley(options) : startBaseline(kind, options);
}

async function startBaseline(kind: 'socketio' | 'ws', options: StartOptions): Promise<Target> {
  const child = forkTs(`baselines/${kind === 'ws' ? 'ws' : 'socketio'}-server.ts`, { nodeFlags: options.nodeFlags, env: { PORT: '0' } });
  const { port } = await nextMessage<ReadyMessage, 'ready'>(child, 'ready', 30_000);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    kind,
    pid: child.pid!,
    baseUrl,
    appId: BENCH_APP_ID,
    heap: () => heapSnapshotOf(child),
    async sessions() {
      return ((await (await fetch(`${baseUrl}/sessions`)).json()) as { count: number }).count;
    },
    async connectSpec(_user, mode) {
      if (kind === 'ws') return { protocol: 'ws', url: `ws://127.0.0.1:${port}/` };
      if (mode === 'socket.io-client') return { protocol: 'sio', url: baseUrl };
      return { protocol: 'eio', url: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket` };
    },
    stop: () => stopChild(child),
  };
}

/** Starts one Parley node (several with the same REDIS_URL and DATABASE_URL make a cluster). */
export async function startParley(options: StartOptions = {}): Promise<Target> {
  const appId = options.appId ?? BENCH_APP_ID;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const child = forkTs('targets/parley-entry.ts', {
    nodeFlags: options.nodeFlags,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: '',
      DATA_DIR: dataDir,
      APP_ID: appId,
      APP_API_KEY: BENCH_API_KEY,
      DATABASE_URL: '',
      REDIS_URL: '',
      ...PARLEY_BENCH_ENV,
      ...options.env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(child, baseUrl);
  return {
    kind: 'parley',
    pid: child.pid!,
    baseUrl,
    appId,
    heap: () => heapSnapshotOf(child),
    sessions: async () => metricSum(await (await fetch(`${baseUrl}/metrics`)).text(), 'parley_connections'),
    async connectSpec(user, mode) {
      const res = await postJson(`${baseUrl}/v2/auth/${appId}/access`, { user, channels: [] }, { 'x-nhn-apikey': BENCH_API_KEY });
      if (res.status !== 200) throw new Error(`Parley access URL: ${res.status} ${JSON.stringify(res.body)}`);
      const access = new URL((res.body as { url: string }).url);
      if (mode === 'socket.io-client') return { protocol: 'sio', url: access.toString() };
      // The thin client joins namespace `/` (served like `/socket.io/1/`) with the access query in the handshake.
      const ws = new URL(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      access.searchParams.forEach((v, k) => ws.searchParams.set(k, v));
      return { protocol: 'eio', url: ws.toString() };
    },
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `count` Parley nodes on one Redis and one database (a cluster): the first migrates the schema,
 * the others start on the finished one together. If one fails to start, the started ones are stopped.
 */
export async function startCluster(count: number, options: { appId: string; redisUrl: string; databaseUrl: string }): Promise<Target[]> {
  const start = () => startParley({ appId: options.appId, env: { REDIS_URL: options.redisUrl, DATABASE_URL: options.databaseUrl } });
  const first = await start();
  const rest = await Promise.allSettled(Array.from({ length: count - 1 }, start));
  const nodes = [first, ...rest.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
  const failure = rest.find((r) => r.status === 'rejected');
  if (failure) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failure.reason;
  }
  return nodes;
}

/** Parley's `parley_broker_messages_received_total` on one node: what it received from Redis. */
export async function brokerMessagesReceived(node: Target): Promise<number> {
  return metricSum(await (await fetch(`${node.baseUrl}/metrics`)).text(), 'parley_broker_messages_received_total');
}

/** Sums a metric's samples over its labels (e.g. `parley_connections{transport="…"}`; no line at all is 0). */
function metricSum(text: string, name: string): number {
  let n = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)$`, 'gm'))) n += Number(m[1]);
  return n;
}

async function waitHealthy(child: ChildProcess, baseUrl: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`Parley exited with ${child.exitCode} during start`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`Parley did not answer /health within ${ms} ms`);
}
