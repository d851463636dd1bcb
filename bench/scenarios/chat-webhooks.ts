/**
 * Scenario: what chat webhooks cost a send (issue 18: ≥ 90 % of the throughput without). The chat
 * scenario twice on the same engine, on fresh servers: once without webhooks, once with the app's
 * `group:message_send` and `push` events going to a receiver in the harness (bare node:http answering
 * 204), so every send also writes its outbox rows in its transaction and the dispatcher POSTs them.
 * Every member has a device token on both sides, as in a mobile app: each message's push row is
 * written and its recipients resolved (all members are connected, so none is POSTed).
 * The pair runs `rounds` times, off and on in turn, so that a burst of other load on the shared
 * machine falls on both sides rather than on one: the ratio is of the rounds' sums.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchOptions, ChatEngine } from '../options.ts';
import { runChat, type ChatResult } from './chat.ts';
import { sleep } from '../lib/proc.ts';
import { round } from './run-target.ts';

/** How long an 'on' run waits, after its sends, for a first POST if none came yet. */
const SETTLE_MS = 10_000;

export interface ChatWebhooksResult {
  engine: ChatEngine;
  off: Pick<ChatResult, 'messagesPerSecond' | 'serverCpuMsPerMessage' | 'errors'>;
  on: Pick<ChatResult, 'messagesPerSecond' | 'serverCpuMsPerMessage' | 'errors'>;
  /** on ÷ off messages/s, of the rounds' sums. */
  ratio: number;
  /** Each round's on ÷ off. */
  roundRatios: number[];
  /** Webhook POSTs the receiver got by the end of the runs (each waits for a first one, the dispatcher may still be catching up). */
  received: number;
}

/** The rounds' mean rates and CPU costs, and their errors summed. */
const mean = (runs: readonly ChatResult[]) => ({
  messagesPerSecond: round(runs.reduce((a, r) => a + r.messagesPerSecond, 0) / runs.length),
  serverCpuMsPerMessage: round(runs.reduce((a, r) => a + r.serverCpuMsPerMessage, 0) / runs.length, 3),
  errors: runs.reduce((a, r) => a + r.errors, 0),
});

export async function runChatWebhooks(opts: BenchOptions, engine: ChatEngine): Promise<ChatWebhooksResult> {
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
    const off: ChatResult[] = [];
    const on: ChatResult[] = [];
    for (let i = 0; i < opts.chat.webhookRounds; i++) {
      off.push(await runChat(opts, engine, {}, { pushTokens: true }));
      const before = received;
      // The dispatcher's thread starts with the first commit: a short run may end before its first POST.
      const settle = async () => {
        for (const until = performance.now() + SETTLE_MS; received === before && performance.now() < until; ) await sleep(50);
      };
      on.push(await runChat(opts, engine, {}, { webhookUrl: `http://127.0.0.1:${port}/hooks`, pushTokens: true, settle }));
    }
    const sum = (runs: readonly ChatResult[]) => runs.reduce((a, r) => a + r.messagesPerSecond, 0);
    return {
      engine,
      off: mean(off),
      on: mean(on),
      ratio: round(sum(on) / Math.max(1, sum(off)), 3),
      roundRatios: on.map((r, i) => round(r.messagesPerSecond / Math.max(1, off[i]!.messagesPerSecond), 3)),
      received,
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
