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

/** `count` split over `n` processes as evenly as possible: process i's share. */
const share = (count: number, n: number, i: number): number => Math.floor(count / n) + (i < count % n ? 1 : 0);

export interface PoolStats {
  received: number;
  latency: Histogram;
}

export class ClientPool {
  private readonly done: number[];
  /** Called whenever a client reports fan-out progress. */
  onProgress: () => void = () => {};

  private constructor(private readonly children: ChildProcess[]) {
    this.done = children.map(() => 0);
    children.forEach((child, i) =>
      child.on('message', (msg: FromClient) => {
        if (msg.type !== 'progress') return;
        this.done[i] = msg.done;
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

  /** Publications every connection in every process has received (one-channel fan-out). */
  get completed(): number {
    return Math.min(...this.done);
  }

  /**
   * Opens `total` more connections spread evenly over the processes; process i connects with
   * `specFor(i)`, and its j-th new connection subscribes to channels[j % channels.length]. With `auths`
   * (one per connection, `total` of them) the connections are chat connections instead; process i gets
   * a contiguous slice of them.
   */
  async connect(
    total: number,
    specFor: (processIndex: number) => Promise<ConnectSpec>,
    channels: string[],
    options: { concurrency?: number; trackCompletion?: boolean; auths?: ChatAuth[] } = {},
  ): Promise<ConnectResult> {
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
          channels,
          concurrency: options.concurrency ?? 64,
          trackCompletion: options.trackCompletion ?? false,
          auths: options.auths?.slice(firstOf(i), firstOf(i) + count),
        };
        const answer = nextMessage<FromClient, 'connected'>(child, 'connected', 600_000);
        child.send(msg);
        return answer;
      }),
    );
    return combine(answers, started);
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
    this.done.fill(0);
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
    return { received: answers.reduce((s, a) => s + a.received, 0), latency };
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
