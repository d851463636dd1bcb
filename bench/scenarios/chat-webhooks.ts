/**
 * Scenario: what chat webhooks cost a send (issue 18: ≥ 90 % of the throughput without). The chat
 * scenario twice on the same engine, on fresh servers: once without webhooks, once with the app's
 * `group:message_send` and `push` events going to a receiver in the harness (bare node:http answering
 * 204), so every send also writes its outbox rows in its transaction and the dispatcher POSTs them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchOptions, ChatEngine } from '../options.ts';
import { runChat, type ChatResult } from './chat.ts';
import { round } from './run-target.ts';

export interface ChatWebhooksResult {
  engine: ChatEngine;
  off: Pick<ChatResult, 'messagesPerSecond' | 'serverCpuMsPerMessage' | 'errors'>;
  on: Pick<ChatResult, 'messagesPerSecond' | 'serverCpuMsPerMessage' | 'errors'>;
  /** on ÷ off messages/s. */
  ratio: number;
  /** Webhook POSTs the receiver got by the end of the run (the dispatcher may still be catching up). */
  received: number;
}

const pick = (r: ChatResult) => ({ messagesPerSecond: r.messagesPerSecond, serverCpuMsPerMessage: r.serverCpuMsPerMessage, errors: r.errors });

export async function runChatWebhooks(opts: BenchOptions, engine: ChatEngine): Promise<ChatWebhooksResult> {
  const off = await runChat(opts, engine);
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = receiver.address() as AddressInfo;
    const on = await runChat(opts, engine, {}, { webhookUrl: `http://127.0.0.1:${port}/hooks` });
    return { engine, off: pick(off), on: pick(on), ratio: round(on.messagesPerSecond / Math.max(1, off.messagesPerSecond), 3), received };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
