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
/** Publications every socket of this process has received (fan-out completion). */
let done = 0;
let reported = 0;
let expectedPerSeq = 0;
const pending = new Map<number, number>();
const now = (): number => performance.timeOrigin + performance.now();
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function send(msg: FromClient): void {
  process.send?.(msg);
}

function onData(seq: number, sentAt: number): void {
  received++;
  if (sentAt > 0) latency.record(now() - sentAt);
  if (expectedPerSeq > 0) {
    const n = (pending.get(seq) ?? 0) + 1;
    if (n >= expectedPerSeq) {
      pending.delete(seq);
      done++;
    } else pending.set(seq, n);
  }
}

async function connectAll(msg: Extract<ToClient, { type: 'connect' }>): Promise<void> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < msg.count) {
      const i = next++;
      const auth = msg.auths?.[i];
      try {
        conns.push(await (auth ? openChatConnection(msg.spec, auth, onData) : openConnection(msg.spec, msg.channels[i % msg.channels.length]!, onData)));
        ok++;
      } catch (err) {
        failed++;
        firstError ??= message(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(msg.concurrency, msg.count)) }, worker));
  if (msg.trackCompletion) expectedPerSeq = conns.length;
  send({ type: 'connected', ok, failed, firstError });
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
  if (done !== reported) {
    reported = done;
    send({ type: 'progress', done });
  }
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
      done = 0;
      reported = 0;
      pending.clear();
      latency.reset();
      break;
    case 'stats':
      send({ type: 'stats', received, done, latency: latency.toJSON() });
      break;
    case 'close':
      for (const c of conns) c.close();
      // Let the close frames leave before exiting.
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
