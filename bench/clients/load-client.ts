/**
 * A load-generator process: opens many subscribed (or chat) connections to one target, counts what
 * arrives and records publish→receive latency from the send time carried in each message, or churns
 * connections for a soak. Driven by the harness over IPC (see lib/ipc.ts); exits when told to, when the
 * harness goes away, or after a hard deadline.
 */
import { Histogram } from '../lib/histogram.ts';
import type { FromClient, ToClient } from '../lib/ipc.ts';
import { openChatConnection, openConnection, type Conn } from './wire.ts';

const HARD_DEADLINE_MS = Number(process.env.BENCH_CHILD_DEADLINE_MS ?? 30 * 60_000);
const PROGRESS_EVERY_MS = 10;

const conns: Conn[] = [];
const latency = new Histogram();
let received = 0;

/**
 * Fan-out completion of one channel in this process: its sockets, the publications every one of them has
 * received, and how many have each publication still on its way.
 */
interface Lane {
  sockets: number;
  done: number;
  pending: Map<number, number>;
}
const lanes = new Map<string, Lane>();
let progressed = false;
const now = (): number => performance.timeOrigin + performance.now();
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function send(msg: FromClient): void {
  process.send?.(msg);
}

function onData(seq: number, sentAt: number, lane?: Lane): void {
  received++;
  if (sentAt > 0) latency.record(now() - sentAt);
  if (lane === undefined || lane.sockets === 0) return;
  const n = (lane.pending.get(seq) ?? 0) + 1;
  if (n >= lane.sockets) {
    lane.pending.delete(seq);
    lane.done++;
    progressed = true;
  } else lane.pending.set(seq, n);
}

async function connectAll(msg: Extract<ToClient, { type: 'connect' }>): Promise<void> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  // Tracked sockets count only once all are connected: a lane completes a publication at its last socket.
  const subscribed = new Map<string, number>();
  const laneOf = (channel: string): Lane | undefined => {
    if (!msg.trackCompletion) return undefined;
    let lane = lanes.get(channel);
    if (!lane) lanes.set(channel, (lane = { sockets: 0, done: 0, pending: new Map() }));
    return lane;
  };
  const worker = async () => {
    while (next < msg.count) {
      const i = next++;
      const auth = msg.auths?.[i];
      try {
        if (auth) conns.push(await openChatConnection(msg.spec, auth, onData));
        else {
          const channel = msg.channels[i % msg.channels.length]!;
          const lane = laneOf(channel);
          conns.push(await openConnection(msg.spec, channel, (seq, sentAt) => onData(seq, sentAt, lane)));
          subscribed.set(channel, (subscribed.get(channel) ?? 0) + 1);
        }
        ok++;
      } catch (err) {
        failed++;
        firstError ??= message(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(msg.concurrency, msg.count)) }, worker));
  let tracked: Record<string, number> | undefined;
  if (msg.trackCompletion) {
    for (const [channel, lane] of lanes) {
      lane.sockets = subscribed.get(channel) ?? 0;
      if (lane.sockets === 0) lanes.delete(channel);
    }
    tracked = Object.fromEntries([...lanes].map(([channel, lane]) => [channel, lane.sockets]));
  }
  send({ type: 'connected', ok, failed, firstError, tracked });
}

/**
 * Connect → subscribe → disconnect, `cycles` times with `concurrency` cycles at once. Every other cycle
 * leaves cleanly and the others just vanish, so that the server's both ways of losing a session run.
 */
async function churn(msg: Extract<ToClient, { type: 'churn' }>): Promise<void> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < msg.cycles) {
      const i = next++;
      try {
        const conn = await openConnection(msg.spec, msg.channels[i % msg.channels.length]!, () => {});
        if (i % 2 === 0) await conn.end();
        else conn.close();
        ok++;
      } catch (err) {
        failed++;
        firstError ??= message(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(msg.concurrency, msg.cycles)) }, worker));
  send({ type: 'churned', ok, failed, firstError });
}

const deadline = setTimeout(() => process.exit(3), HARD_DEADLINE_MS);
deadline.unref();
setInterval(() => {
  if (!progressed) return;
  progressed = false;
  send({ type: 'progress', done: Object.fromEntries([...lanes].map(([channel, lane]) => [channel, lane.done])) });
}, PROGRESS_EVERY_MS).unref();

process.on('disconnect', () => process.exit(0));
process.on('message', (msg: ToClient) => {
  switch (msg.type) {
    case 'connect':
      void connectAll(msg);
      break;
    case 'churn':
      void churn(msg);
      break;
    case 'reset':
      received = 0;
      progressed = false;
      for (const lane of lanes.values()) {
        lane.done = 0;
        lane.pending.clear();
      }
      latency.reset();
      break;
    case 'stats':
      send({ type: 'stats', received, latency: latency.toJSON() });
      break;
    case 'close':
      for (const c of conns) c.close();
      // Let the close frames leave before exiting.
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
