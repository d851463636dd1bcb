/**
 * Chat webhook metrics: the outbox's depth by status, read at scrape time (one grouped count), and the
 * dispatcher's outcomes. Names are part of the metrics contract like metrics.ts's.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryOutcome } from '../chat/outbox-dispatcher.ts';
import type { OutboxRepository } from '../chat/outbox.repository.ts';

export interface OutboxMetrics {
  delivery(outcome: DeliveryOutcome, event: string): void;
}

export function registerOutboxMetrics(registry: Registry, rows: Pick<OutboxRepository, 'depth'>): OutboxMetrics {
  const registers = [registry];
  new Gauge({
    name: 'parley_chat_webhook_outbox_rows',
    help: 'Chat webhook outbox rows by status (pending: not delivered yet, failed: gave up, kept for the console; delivered: until pruned), all nodes',
    labelNames: ['status'],
    registers,
    async collect() {
      const depth = await rows.depth();
      for (const [status, n] of Object.entries(depth)) this.set({ status }, n);
    },
  });
  const deliveries = new Counter({
    name: 'parley_chat_webhook_deliveries_total',
    help: 'Chat webhook tries by this node, by outcome (delivered: 2xx; retry: failed, tried again later; failed: the last try failed) and event',
    labelNames: ['outcome', 'event'],
    registers,
  });
  return { delivery: (outcome, event) => deliveries.inc({ outcome, event }) };
}
