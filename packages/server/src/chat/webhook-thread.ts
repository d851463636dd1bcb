/**
 * Chat webhook POSTs on a worker thread of their own (webhook-thread.worker.ts): the dispatcher
 * (outbox-dispatcher.ts) reads, signs and marks on the main thread and hands each POST here. The
 * thread starts with the first POST, so a server whose apps have no chat webhooks never has it; one
 * that dies (it should not) fails the calls under way, which the dispatcher retries as any failed
 * try, and the next POST starts another.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { HookResult, HooksClientOptions } from '../realtime/hooks-client.ts';
import type { WebhookPoster } from './outbox-dispatcher.ts';

export type ThreadRequest = { type: 'deliver'; id: number; url: string; json: string; headers: Record<string, string> } | { type: 'close' };
export interface ThreadReply {
  id: number;
  result: HookResult;
}

/** How long close() waits for the thread to finish its calls (each is bounded by the timeout) before it stops it. */
const CLOSE_GRACE_MS = 1000;

/**
 * The worker's script: beside this module when running from the sources, loaded through tsx (which a
 * worker does not inherit from its parent on Node 20: it registers it first), or the build's entry of
 * the same name in dist/server/ (scripts/build.js) when this code is a chunk of the build.
 */
function startWorker(workerData: unknown): Worker {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    // tsx/esm/api's ESM file (its `import` export), beside the CommonJS one `require` resolves to: a
    // data: module imports by absolute URL only.
    const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const script = new URL('./webhook-thread.worker.ts', here).href;
    const loader = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(script)});`;
    return new Worker(new URL(`data:text/javascript,${encodeURIComponent(loader)}`), { workerData });
  }
  for (const up of ['./', '../']) {
    const url = new URL(`${up}webhook-thread.worker.js`, here);
    if (existsSync(fileURLToPath(url))) return new Worker(url, { workerData });
  }
  throw new Error(`no webhook-thread.worker.js beside or above ${fileURLToPath(here)}: run npm run build`);
}

export class WebhookThread implements WebhookPoster {
  private worker: Worker | undefined;
  /** The calls the thread has not answered: as many as the dispatcher's workers at most. */
  private readonly pending = new Map<number, { resolve: (result: HookResult) => void; started: number }>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly options: Pick<HooksClientOptions, 'timeoutMs' | 'denyPrivate'>,
    private readonly log: Logger,
  ) {}

  deliver(url: string, json: string, headers: Record<string, string>): Promise<HookResult> {
    if (this.closed) return Promise.resolve({ outcome: 'error', ms: 0 });
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      // A call under way keeps the process alive, as its socket would; an idle thread does not.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, started: performance.now() });
      worker.postMessage({ type: 'deliver', id, url, json, headers } satisfies ThreadRequest);
    });
  }

  /** Lets the calls under way finish (within the hook timeout and a grace), then ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    const grace = setTimeout(() => void worker.terminate(), this.options.timeoutMs + CLOSE_GRACE_MS);
    await exited;
    clearTimeout(grace);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.options);
    worker.on('message', (reply: ThreadReply) => {
      const call = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      call?.resolve(reply.result);
    });
    worker.on('error', (err) => this.log.warn({ err }, 'chat webhook thread failed'));
    worker.once('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      if (!this.closed) this.log.warn({ code }, 'chat webhook thread exited; the next delivery starts another');
      // Calls it had not answered failed: the dispatcher retries them (at least once, the delivery id tells).
      for (const [id, call] of this.pending) {
        this.pending.delete(id);
        call.resolve({ outcome: 'error', ms: performance.now() - call.started });
      }
    });
    this.worker = worker;
    return worker;
  }
}
