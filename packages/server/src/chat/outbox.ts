/**
 * The writing side of chat webhooks (DESIGN.md, "Chat webhooks"): an event the app subscribed is
 * written to the outbox table in the same transaction as the change that causes it, so a committed
 * change always has its event and a rolled-back one never does; outbox-dispatcher.ts sends it after
 * commit. Whether an app wants an event is decided before the transaction from its cached settings
 * (AppService caches apps), so the changes of apps without a chat webhook URL pay nothing.
 */
import { randomBytes } from 'node:crypto';
import type { ChatWebhookEvent } from '@parley/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { OutboxRepository, OutboxRow } from './outbox.repository.ts';

/** Work a repository runs at the end of its transaction (only when the change is made). */
export type InTransaction = (tx: Transaction<Database>) => Promise<void>;

/** An event to write: its name, the channel whose order it keeps ('' for none), and its payload. */
export interface OutboxEvent {
  event: ChatWebhookEvent;
  channelId: string;
  payload: Record<string, unknown>;
  /** A push hand-off's sender: the row is written only if the message could be pushed to another member (OutboxRepository.insertSome). */
  pushFrom?: string;
}

/** What the outbox reads of an app: its chat webhook URL and events (AppService.get, cached). */
export interface ChatWebhookSettings {
  chatWebhooks(appId: string): Promise<{ url: string | null; events: ReadonlySet<ChatWebhookEvent> } | undefined>;
}

/**
 * A change that is one statement: run alone, or — with its events' work `also` — in one transaction
 * with it, `also` only when `made(result)` says the change happened.
 */
export async function withEvents<T>(db: Kysely<Database>, change: (db: Kysely<Database>) => Promise<T>, also: ((tx: Transaction<Database>, result: T) => Promise<void>) | undefined, made: (result: T) => boolean = () => true): Promise<T> {
  if (!also) return change(db);
  return db.transaction().execute(async (tx) => {
    const result = await change(tx);
    if (made(result)) await also(tx, result);
    return result;
  });
}

let lastMs = 0;
let seq = 0;
/** This process's random bits: drawn once, as a draw per id cost more than the rest of the write. */
const NODE_BITS = randomBytes(4).toString('hex');
/**
 * Time-ordered text, the delivery id: zero-padded ms, a counter that keeps this process's ids
 * increasing within a millisecond (and across a clock step back), and random bits that keep
 * processes apart (two nodes, or a restart within the same millisecond).
 */
export function newDeliveryId(now: number): string {
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else {
    seq++;
  }
  return `${String(lastMs).padStart(15, '0')}-${seq.toString(16).padStart(6, '0')}-${NODE_BITS}`;
}

/** A row to write and, for a push hand-off, its sender (OutboxRepository.insertSome). */
type PendingRow = { row: OutboxRow; pushFrom: string | undefined };

export class ChatOutbox {
  /** Transactions whose rows are gathered and written together at the end of their work (collect()). */
  private readonly collecting = new WeakMap<Transaction<Database>, PendingRow[]>();

  constructor(
    private readonly repo: OutboxRepository,
    private readonly settings: ChatWebhookSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The events among `events` the app subscribed, with a URL set; empty when it wants none of them. */
  async wanted(appId: string, events: readonly ChatWebhookEvent[]): Promise<Set<ChatWebhookEvent>> {
    const app = await this.settings.chatWebhooks(appId);
    if (!app?.url) return new Set();
    return new Set(events.filter((e) => app.events.has(e)));
  }

  /**
   * The transaction work that writes `build()`'s events (those the app wants), or undefined when the app
   * wants none of `events`: then the change's transaction carries nothing extra.
   */
  async writer(appId: string, events: readonly ChatWebhookEvent[], build: () => OutboxEvent[]): Promise<InTransaction | undefined> {
    const wanted = await this.wanted(appId, events);
    if (wanted.size === 0) return undefined;
    return (tx) => this.write(tx, appId, build().filter((e) => wanted.has(e.event)));
  }

  /** Writes the events in one INSERT (push hand-offs only if someone could be pushed to), in the caller's transaction. */
  async write(tx: Transaction<Database>, appId: string, events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const now = this.now();
    // A send's events share one payload object (message and push): serialized once.
    const texts = new Map<Record<string, unknown>, string>();
    const text = (payload: Record<string, unknown>) => texts.get(payload) ?? texts.set(payload, JSON.stringify(payload)).get(payload)!;
    const row = (e: OutboxEvent): OutboxRow => ({
      app_id: appId,
      id: newDeliveryId(now),
      channel_id: e.channelId,
      event: e.event,
      payload: text(e.payload),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      last_error: '',
      created_at: now,
      updated_at: now,
    });
    // Ids in the events' order (a channel's deliveries go out in id order), whichever statement writes them.
    const rows = events.map((e) => ({ row: row(e), pushFrom: e.pushFrom }));
    const gathered = this.collecting.get(tx);
    if (gathered) gathered.push(...rows);
    else await this.repo.insertSome(tx, rows);
  }

  /**
   * Runs `work` in `tx` with the rows it writes gathered, then writes them in one INSERT, still in `tx`:
   * a group commit's sends (message.repository.ts) cost the outbox one statement, not one each — on
   * PostgreSQL a round trip each. A failure of `work` or of the write fails the transaction as before.
   */
  async collect<T>(tx: Transaction<Database>, work: () => Promise<T>): Promise<T> {
    const rows: PendingRow[] = [];
    this.collecting.set(tx, rows);
    try {
      const result = await work();
      await this.repo.insertSome(tx, rows);
      return result;
    } finally {
      this.collecting.delete(tx);
    }
  }
}
