/**
 * The chat webhook dispatcher (outbox-dispatcher.ts) on a worker thread of its own
 * (outbox-thread.worker.ts), with its own connection to the store and its own HTTP client: reading
 * the outbox, resolving push recipients, signing, POSTing and marking cost the sends' event loop
 * nothing but the two questions only this thread can answer — who is online (the realtime core) and
 * where an app's webhooks go (its cached settings) — asked once per page of a channel's rows.
 *
 * On one node the thread starts with the first commit that wrote outbox rows, or at start when rows
 * are pending (what a crash left, a retry that is due later), so a server whose apps have no chat
 * webhooks never has it; a cluster node starts it at once, as it polls for the rows other nodes wrote.
 * A thread that dies (it should not) is started again a second later: its lease and its rows are where
 * it left them, and what it had in flight is sent again (at least once; X-Parley-Delivery tells).
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { HooksClientOptions } from '../realtime/hooks-client.ts';
import type { StorageAddress } from '../storage/database.ts';
import { startThread } from '../thread-script.ts';
import type { OnlineUsers } from './chat-context.ts';
import type { ChatWebhookTarget, DeliveryOutcome, OutboxDispatchOptions } from './outbox-dispatcher.ts';

/** What the thread is started with (its workerData). */
export interface OutboxThreadData {
  store: StorageAddress;
  dispatch: OutboxDispatchOptions;
  hooks: Pick<HooksClientOptions, 'timeoutMs' | 'denyPrivate'>;
  /** This node's lease holder name. */
  nodeId: string;
}

/** A question of the thread's, by name, with its arguments and the answer's type. */
export interface OutboxQuestions {
  online: { args: [appId: string, userIds: readonly string[]]; answer: string[] };
  target: { args: [appId: string]; answer: Awaited<ReturnType<ChatWebhookTarget['target']>> };
}
export type OutboxQuestion = { [Q in keyof OutboxQuestions]: { type: 'ask'; id: number; question: Q; args: OutboxQuestions[Q]['args'] } }[keyof OutboxQuestions];

/** An error as it crosses to the server's thread, for its log. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
}

export type ToOutboxThread = { type: 'wake' } | { type: 'committed' } | { type: 'stop' } | { type: 'answer'; id: number; value?: unknown; error?: string };
export type FromOutboxThread =
  | OutboxQuestion
  | { type: 'observe'; outcomes: [DeliveryOutcome, string][] }
  | { type: 'warn'; fields: Record<string, unknown>; err?: ThreadError; msg: string };

export interface OutboxThreadDeps {
  online: OnlineUsers;
  apps: ChatWebhookTarget;
  /** Whether the outbox has pending rows (a look at start, on one node: only then is the thread started before a commit). */
  hasPending(): Promise<boolean>;
  log: Logger;
  observe?: (outcome: DeliveryOutcome, event: string) => void;
}

/** How long stop() waits beyond the hook timeout for the thread to end its calls and give the lease up. */
const STOP_GRACE_MS = 2000;
/** A thread that died is started again this much later. */
const RESTART_MS = 1000;

/** The dispatcher as the server drives it: started once listening, woken after commits and by the console, stopped at shutdown. */
export interface OutboxDispatch {
  start(): void;
  wake(): void;
  committed(): void;
  stop(): Promise<void>;
}

export class OutboxThread implements OutboxDispatch {
  private worker: Worker | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private restart: NodeJS.Timeout | undefined;

  constructor(
    private readonly data: OutboxThreadData,
    private readonly deps: OutboxThreadDeps,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.data.dispatch.pollMs !== undefined) {
      this.thread();
      return;
    }
    this.deps
      .hasPending()
      .then((pending) => pending && this.thread())
      .catch((err: unknown) => this.deps.log.warn({ err }, 'chat webhook outbox look-up failed'));
  }

  wake(): void {
    this.thread()?.postMessage({ type: 'wake' } satisfies ToOutboxThread);
  }

  committed(): void {
    this.thread()?.postMessage({ type: 'committed' } satisfies ToOutboxThread);
  }

  /** The thread ends its round and calls under way (each bounded by the hook timeout) and gives the lease up. */
  stop(): Promise<void> {
    this.stopping ??= this.ended();
    return this.stopping;
  }

  private async ended(): Promise<void> {
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    // Until it has exited, the process waits for it.
    worker.ref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'stop' } satisfies ToOutboxThread);
    const grace = setTimeout(() => void worker.terminate(), this.data.hooks.timeoutMs + STOP_GRACE_MS);
    await exited;
    clearTimeout(grace);
  }

  /** The running thread, started if need be; none once stopping or before start(). */
  private thread(): Worker | undefined {
    if (this.worker || !this.started || this.stopping) return this.worker;
    const worker = startThread(import.meta.url, 'outbox-thread.worker', this.data satisfies OutboxThreadData);
    // The thread's timers are its own business: an idle one does not keep the process alive.
    worker.unref();
    worker.on('message', (message: FromOutboxThread) => this.received(worker, message));
    worker.on('error', (err) => this.deps.log.warn({ err }, 'chat webhook thread failed'));
    worker.once('exit', (code) => {
      this.worker = undefined;
      if (this.stopping) return;
      this.deps.log.warn({ code }, 'chat webhook thread exited; starting another');
      this.restart = setTimeout(() => this.thread(), RESTART_MS);
      this.restart.unref();
    });
    this.worker = worker;
    return worker;
  }

  private received(worker: Worker, message: FromOutboxThread): void {
    switch (message.type) {
      case 'ask':
        this.answer(message).then(
          (value) => worker.postMessage({ type: 'answer', id: message.id, value } satisfies ToOutboxThread),
          (err: unknown) => worker.postMessage({ type: 'answer', id: message.id, error: err instanceof Error ? err.message : String(err) } satisfies ToOutboxThread),
        );
        return;
      case 'observe':
        for (const [outcome, event] of message.outcomes) this.deps.observe?.(outcome, event);
        return;
      case 'warn': {
        const err = message.err && Object.assign(new Error(message.err.message), message.err);
        this.deps.log.warn(err ? { ...message.fields, err } : message.fields, message.msg);
        return;
      }
    }
  }

  private answer(message: OutboxQuestion): Promise<unknown> {
    switch (message.question) {
      case 'online':
        return this.deps.online.online(...message.args);
      case 'target':
        return this.deps.apps.target(...message.args);
    }
  }
}
