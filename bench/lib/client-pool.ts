/**
 * A set of load-client processes (clients/load-client.ts) driven together: spread connections (or churn
 * cycles) over them, follow fan-out completion, gather counts and latency histograms, close them.
 */
import type { ChildProcess } from 'node:child_process';
import { forkTs, nextMessage, stopChild } from './children.ts';
import { Histogram } from './histogram.ts';
import type { ChatAuth, ConnectSpec, FromClient, ToClient } from './ipc.ts';

export interface ConnectResult {
  ok: number;
  failed: number;
  firstError?: string;
  ms: number;
}

export interface SubscribeResult extends ConnectResult {
  /** With trackCompletion: the connections subscribed to each channel, over all processes. */
  subscribers: Record<string, number>;
}

/** `count` split over `n` processes as evenly as possible: process i's share. */
const share = (count: number, n: number, i: number): number => Math.floor(count / n) + (i < count % n ? 1 : 0);

export interface PoolStats {
  received: number;
  /** What each process received, in process order. */
  receivedBy: number[];
  latency: Histogram;
}

export class ClientPool {
  /** Per process: publications every one of its connections on a channel has received, by channel. */
  private readonly done: Map<string, number>[];
  /** Called whenever a client reports fan-out progress. */
  onProgress: () => void = () => {};

  private constructor(private readonly children: ChildProcess[]) {
    this.done = children.map(() => new Map());
    children.forEach((child, i) =>
      child.on('message', (msg: FromClient) => {
        if (msg.type !== 'progress') return;
        for (const [channel, n] of Object.entries(msg.done)) this.done[i]!.set(channel, n);
        this.onProgress();
      }),
    );
  }

  static start(processes: number): ClientPool {
    return new ClientPool(Array.from({ length: processes }, () => forkTs('clients/load-client.ts')));
  }

  get size(): number {
    return this.children.length;
  }

  /** The load processes' pids (to read their CPU time). */
  get pids(): number[] {
    return this.children.map((child) => child.pid!);
  }

  /**
   * Publications to `channel` every connection subscribed to it, in every process, has received
   * (fan-out completion: each publication goes to one channel). 0 for a channel nobody tracks.
   */
  completedOn(channel: string): number {
    let min = Infinity;
    for (const done of this.done) {
      const n = done.get(channel);
      if (n !== undefined && n < min) min = n;
    }
    return min === Infinity ? 0 : min;
  }

  /**
   * Opens `total` more connections spread evenly over the processes; process i connects with
   * `specFor(i)`, and its j-th new connection subscribes to channels[j % channels.length] (or to
   * channels(i)'s, when process i's connections go to channels of their own). With `auths` (one per
   * connection, `total` of them) the connections are chat connections instead; process i gets a
   * contiguous slice of them. `trackCompletion`: once per pool, before the measured publications.
   */
  async connect(
    total: number,
    specFor: (processIndex: number) => Promise<ConnectSpec>,
    channels: string[] | ((processIndex: number) => string[]),
    options: { concurrency?: number; trackCompletion?: boolean; auths?: ChatAuth[] } = {},
  ): Promise<SubscribeResult> {
    const started = performance.now();
    const n = this.children.length;
    const firstOf = (i: number) => Array.from({ length: i }, (_, k) => share(total, n, k)).reduce((a, b) => a + b, 0);
    const answers = await Promise.all(
      this.children.map(async (child, i) => {
        const count = share(total, n, i);
        const msg: ToClient = {
          type: 'connect',
          spec: await specFor(i),
          count,
          channels: typeof channels === 'function' ? channels(i) : channels,
          concurrency: options.concurrency ?? 64,
          trackCompletion: options.trackCompletion ?? false,
          auths: options.auths?.slice(firstOf(i), firstOf(i) + count),
        };
        const answer = nextMessage<FromClient, 'connected'>(child, 'connected', 600_000);
        child.send(msg);
        return answer;
      }),
    );
    const subscribers: Record<string, number> = {};
    answers.forEach((a, i) => {
      for (const [channel, n] of Object.entries(a.tracked ?? {})) {
        this.done[i]!.set(channel, 0);
        subscribers[channel] = (subscribers[channel] ?? 0) + n;
      }
    });
    return { ...combine(answers, started), subscribers };
  }

  /**
   * Runs `cycles` connect → subscribe → disconnect cycles spread over the processes (process i with
   * `specFor(i)`), at most `concurrency` at once in all; resolves when every process is done.
   */
  async churn(cycles: number, specFor: (processIndex: number) => Promise<ConnectSpec>, channels: string[], concurrency: number): Promise<ConnectResult> {
    const started = performance.now();
    const n = this.children.length;
    const answers = await Promise.all(
      this.children.map(async (child, i) => {
        const msg: ToClient = { type: 'churn', spec: await specFor(i), channels, cycles: share(cycles, n, i), concurrency: Math.max(1, share(concurrency, n, i)) };
        const answer = nextMessage<FromClient, 'churned'>(child, 'churned', 1_200_000);
        child.send(msg);
        return answer;
      }),
    );
    return combine(answers, started);
  }

  reset(): void {
    for (const done of this.done) for (const channel of done.keys()) done.set(channel, 0);
    for (const child of this.children) child.send({ type: 'reset' } satisfies ToClient);
  }

  async stats(): Promise<PoolStats> {
    const answers = await Promise.all(
      this.children.map((child) => {
        const answer = nextMessage<FromClient, 'stats'>(child, 'stats', 30_000);
        child.send({ type: 'stats' } satisfies ToClient);
        return answer;
      }),
    );
    const latency = new Histogram();
    for (const a of answers) latency.merge(a.latency);
    const receivedBy = answers.map((a) => a.received);
    return { received: receivedBy.reduce((s, n) => s + n, 0), receivedBy, latency };
  }

  async close(): Promise<void> {
    for (const child of this.children) if (child.connected) child.send({ type: 'close' } satisfies ToClient);
    await Promise.all(this.children.map((child) => stopAfter(child, 3000)));
  }
}

/** Waits for a child to exit on its own, then stops it. */
async function stopAfter(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
  if (!(await Promise.race([exited, timedOut]))) await stopChild(child, 2000);
}

/** The processes' answers as one result, timed from `started`. */
function combine(answers: readonly { ok: number; failed: number; firstError?: string }[], started: number): ConnectResult {
  return {
    ok: answers.reduce((s, a) => s + a.ok, 0),
    failed: answers.reduce((s, a) => s + a.failed, 0),
    firstError: answers.find((a) => a.firstError)?.firstError,
    ms: Math.round(performance.now() - started),
  };
}
