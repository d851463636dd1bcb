/**
 * The outbox's deliveries as an operator sees them (the admin console, issue 17): listed by status,
 * newest first, and a failed one sent again with a fresh schedule under the same delivery id.
 */
import type { ChatWebhookDelivery, ChatWebhookDeliveryPage, ChatWebhookDeliveryStatus, ChatWebhookEvent } from '@parley/protocol';
import { resourceNotFound } from './errors.ts';
import type { OutboxDispatch } from './outbox-thread.ts';
import type { OutboxRepository, OutboxRow } from './outbox.repository.ts';
import { pageLimit } from './rules.ts';

const toDelivery = (row: OutboxRow): ChatWebhookDelivery => ({
  id: row.id,
  event: row.event as ChatWebhookEvent,
  channel_id: row.channel_id,
  status: row.status as ChatWebhookDeliveryStatus,
  attempts: row.attempts,
  last_error: row.last_error,
  created_at: row.created_at,
  updated_at: row.updated_at,
  next_attempt_at: row.next_attempt_at,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
});

export class WebhookDeliveryService {
  constructor(
    private readonly rows: OutboxRepository,
    private readonly dispatcher: () => OutboxDispatch | undefined,
    private readonly now: () => number,
  ) {}

  /** One page of the app's deliveries of a status, newest first; `next` is the previous page's. */
  async list(appId: string, status: ChatWebhookDeliveryStatus, next: string | undefined, limit: number | undefined): Promise<ChatWebhookDeliveryPage> {
    const n = pageLimit(limit);
    const rows = await this.rows.list(appId, status, next, n + 1);
    const page = rows.slice(0, n);
    return { deliveries: page.map(toDelivery), next: rows.length > n ? page.at(-1)!.id : null };
  }

  /** Makes a failed delivery pending again (the dispatcher is woken); 1002 when there is no such failed delivery. */
  async retry(appId: string, id: string): Promise<ChatWebhookDelivery> {
    if (!(await this.rows.retry(appId, id, this.now()))) throw resourceNotFound(`failed delivery ${id}`);
    this.dispatcher()?.wake();
    const row = await this.rows.get(appId, id);
    if (!row) throw resourceNotFound(`failed delivery ${id}`);
    return toDelivery(row);
  }
}
