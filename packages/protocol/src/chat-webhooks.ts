/**
 * Chat webhooks (DESIGN.md, "Chat webhooks"): the body every chat webhook POSTs, and the deliveries of
 * the outbox as the admin console lists them.
 */
import type { ChatWebhookEvent } from './app-settings.ts';

/**
 * The JSON body of a chat webhook POST; headers `X-Parley-Signature: sha256=<hex HMAC-SHA256(secret,
 * timestamp + "." + body)>`, `X-Parley-Timestamp` (unix seconds) and `X-Parley-Delivery` (the same at every retry).
 */
export interface ChatWebhookBody {
  event: ChatWebhookEvent;
  app_id: string;
  /** When the change was committed (unix ms). */
  created_at: number;
  /** The realtime event's arguments by name (`{message, channel}`, `{channel, user, ban}`…); `push`: `{message, channel, recipients}`. */
  payload: Record<string, unknown>;
}

export const CHAT_WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type ChatWebhookDeliveryStatus = (typeof CHAT_WEBHOOK_DELIVERY_STATUSES)[number];

/** One outbox row: an event to deliver, delivered, or given up on after its last try. */
export interface ChatWebhookDelivery {
  /** X-Parley-Delivery; time-ordered. */
  id: string;
  event: ChatWebhookEvent;
  /** The channel whose events it keeps in order ('' for none). */
  channel_id: string;
  status: ChatWebhookDeliveryStatus;
  /** Tries so far. */
  attempts: number;
  /** The last failed try: `HTTP 500`, `timeout`, `error`, `refused`… ('' when none). */
  last_error: string;
  created_at: number;
  updated_at: number;
  /** When the next try is due (pending rows). */
  next_attempt_at: number;
  payload: Record<string, unknown>;
}

export interface ChatWebhookDeliveryPage {
  deliveries: ChatWebhookDelivery[];
  /** Pass as `next` for the following (older) page; null at the end. */
  next: string | null;
}
