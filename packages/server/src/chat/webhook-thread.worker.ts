/**
 * The chat webhook POSTs' thread (webhook-thread.ts starts it): a HooksClient — the same URL and
 * address rules and hard timeout as anywhere — answering each request message with its outcome. Its
 * own event loop carries what a POST costs (the socket writes alone were a fifth of a busy server's
 * time), so that webhooks take nothing from the sends and sockets of the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HooksClient, type HooksClientOptions } from '../realtime/hooks-client.ts';
import type { ThreadReply, ThreadRequest } from './webhook-thread.ts';

const port = parentPort!;
const client = new HooksClient(workerData as HooksClientOptions);

port.on('message', (message: ThreadRequest) => {
  if (message.type === 'close') {
    // Calls under way end within the timeout; then the pooled connections close and the thread exits.
    void client.close().finally(() => port.close());
    return;
  }
  void client.deliver(message.url, message.json, message.headers).then((result) => port.postMessage({ id: message.id, result } satisfies ThreadReply));
});
