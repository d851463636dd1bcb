/**
 * The chat webhook thread (outbox-thread.ts starts it): the outbox dispatcher with its own connection
 * to the store and its own HooksClient (the same URL and address rules and hard timeout as anywhere).
 * Who is online and where an app's webhooks go are asked of the server's thread; what it would log
 * and count goes there too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HooksClient } from '../realtime/hooks-client.ts';
import { openThreadStorage } from '../storage/database.ts';
import { OutboxDispatcher, type DeliveryOutcome } from './outbox-dispatcher.ts';
import type { FromOutboxThread, OutboxQuestions, OutboxThreadData, ThreadError, ToOutboxThread } from './outbox-thread.ts';
import { OutboxRepository } from './outbox.repository.ts';
import { PushTokenRepository } from './push-token.repository.ts';

/** PostgreSQL connections of the thread: its channel workers' reads and marks, a few at a time. */
const POOL_MAX = 4;

const port = parentPort!;
const data = workerData as OutboxThreadData;
const db = openThreadStorage(data.store, POOL_MAX);
const client = new HooksClient(data.hooks);
const post = (message: FromOutboxThread) => port.postMessage(message);

const asked = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
let nextId = 0;
function ask<Q extends keyof OutboxQuestions>(question: Q, ...args: OutboxQuestions[Q]['args']): Promise<OutboxQuestions[Q]['answer']> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    asked.set(id, { resolve: resolve as (value: unknown) => void, reject });
    post({ type: 'ask', id, question, args } as FromOutboxThread);
  });
}

/** Deliveries' outcomes, sent to the server's metrics once per turn of this loop. */
const outcomes: [DeliveryOutcome, string][] = [];
function observe(outcome: DeliveryOutcome, event: string): void {
  if (outcomes.length === 0) setImmediate(() => post({ type: 'observe', outcomes: outcomes.splice(0) }));
  outcomes.push([outcome, event]);
}

function threadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  return { name: err.name, message: err.message, stack: err.stack, code: (err as { code?: unknown }).code };
}

const dispatcher = new OutboxDispatcher({
  repo: new OutboxRepository(db),
  pushTokens: new PushTokenRepository(db),
  online: { online: (appId, ids) => ask('online', appId, ids) },
  apps: { target: (appId) => ask('target', appId) },
  poster: client,
  options: data.dispatch,
  nodeId: data.nodeId,
  log: {
    warn({ err, ...fields }, msg) {
      post({ type: 'warn', fields, err: err === undefined ? undefined : threadError(err), msg });
    },
  },
  observe,
});

port.on('message', (message: ToOutboxThread) => {
  switch (message.type) {
    case 'wake':
      dispatcher.wake();
      return;
    case 'committed':
      dispatcher.committed();
      return;
    case 'answer': {
      const call = asked.get(message.id);
      asked.delete(message.id);
      if (message.error === undefined) call?.resolve(message.value);
      else call?.reject(new Error(message.error));
      return;
    }
    case 'stop':
      // The round and the calls under way end (within the timeout), the lease is given up, then the
      // pooled connections close and the thread exits.
      void dispatcher
        .stop()
        .then(() => client.close())
        .then(() => db.destroy())
        .finally(() => {
          if (outcomes.length > 0) post({ type: 'observe', outcomes });
          port.close();
        });
      return;
  }
});
dispatcher.start();
