/**
 * Sends the outbox's chat webhook events (DESIGN.md, "Chat webhooks"), after commit and never inside
 * the request that caused them, on a thread of its own (outbox-thread.ts): woken right after a commit
 * that wrote rows, at start (what a crash left), when the earliest retry is due, and — in a cluster —
 * by a poll that picks up what other nodes wrote. A single node without webhooks therefore runs no query at all between rounds.
 *
 * One node at a time dispatches, the holder of the lease row (outbox.repository.ts), renewed at each
 * round; a node that dies loses it when it runs out and another takes over, resending what the dead one
 * had in flight: deliveries are at least once, and X-Parley-Delivery (the row id, the same at every
 * try) lets a receiver drop the duplicates. A channel's events go out in id order, one at a time: a later
 * one waits while an earlier one is retried (1 s, 10 s, 60 s by default, then marked failed and kept).
 */
import { BackgroundRounds } from './background-rounds.ts';
import { createHmac } from 'node:crypto';
import type { HookResult } from '../realtime/hooks-client.ts';
import type { OnlineUsers } from './chat-context.ts';
import type { ChannelKey, OutboxRepository, OutboxRow } from './outbox.repository.ts';
import type { PushRecipient } from '@parley/protocol';
import { candidateKey, type PushTokenRepository } from './push-token.repository.ts';

export interface OutboxDispatchOptions {
  /** Waits after the 1st, 2nd, … failed try; one more failure than there are entries marks the row failed. */
  backoffMs: readonly number[];
  /** Cluster mode: interval of the poll for rows other nodes wrote (undefined: one node, which is woken for all of its own). */
  pollMs: number | undefined;
  /** How long a lease lasts unless renewed: a dead dispatcher's successor waits at most this long. */
  leaseMs: number;
  /** Delivered rows are deleted this long after delivery. */
  retentionMs: number;
  /** Rows that failed for good are deleted this long after their last try (until then the console lists and retries them). */
  failedRetentionMs: number;
}

/** The app's chat webhook settings as the dispatcher reads them when it sends (current, cached). */
export interface ChatWebhookTarget {
  target(appId: string): Promise<{ url: string | null; secret: string } | undefined>;
}

/** Where an app's chat webhooks go, as send() uses it. */
type Target = Awaited<ReturnType<ChatWebhookTarget['target']>>;

/** What the dispatcher logs: warnings (the worker thread's log goes to the server's, outbox-thread.ts). */
export interface DispatchLog {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface WebhookPoster {
  deliver(url: string, json: string, headers: Record<string, string>): Promise<HookResult>;
}

/** A push row's payload as the outbox wrote it (outbox-events.ts): the message and its channel. */
type PushIntent = Record<string, unknown> & { message: { user: { user_id: string } } };
/** A push row's intent and the recipients resolved for it. */
interface Push {
  intent: PushIntent;
  recipients: PushRecipient[];
}

/** `delivered`: a 2xx; `retry`: a failed try with tries left; `failed`: the last try failed (or nowhere to send). */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

export interface OutboxDispatcherDeps {
  repo: OutboxRepository;
  pushTokens: PushTokenRepository;
  online: OnlineUsers;
  apps: ChatWebhookTarget;
  poster: WebhookPoster;
  options: OutboxDispatchOptions;
  /** This node's lease holder name. */
  nodeId: string;
  log: DispatchLog;
  observe?: (outcome: DeliveryOutcome, event: string) => void;
  now?: () => number;
}

/**
 * Channels are sent concurrently up to CONCURRENCY workers, each channel's rows in order by one (a
 * receiver sees at most this many POSTs at once). A pass over more busy channels than workers is cut
 * short and goes on when a worker ends: with 64, a pass covers 50 busy channels at once.
 */
const CONCURRENCY = 64;
/** Pending rows a pass reads at a time: the first pages of as many channels as they cover. */
const PASS_ROWS = 500;
/** Reads per round at most; a pass over more rows goes on in the next round. */
const READS_PER_ROUND = 8;
/** A channel worker reads the rows after the one it sent this many at a time. */
const CHANNEL_PAGE = 100;
const PRUNE_EVERY_MS = 600_000;
/** After a failed round or worker (the database unreachable, say), the next round comes this much later. */
const AFTER_ERROR_MS = 1000;
/**
 * A commit's wake waits this long, so that the rows of commits close together go out in one pass
 * (on PostgreSQL, under load, a pass per commit was thirteen queries per message and most of its
 * CPU). A pass costs a read, a push look-up and a mark per PASS_ROWS rows, whatever the channels:
 * at 1,000 messages/s, 200 ms make a pass of 200 messages. Webhooks are no live path: a fifth of a
 * second is not noticed.
 */
const COALESCE_MS = 200;
/**
 * A worker's delivered rows wait this long for the other workers' (markDelivered()): rows of many
 * channels share the table's pages, and one statement writes each page once. The worker holds its
 * channel meanwhile, which only delays its next page.
 */
const MARK_GATHER_MS = 50;

/**
 * The HMAC-SHA256 signature header value of a chat webhook: over `timestamp + "." + body`.
 * @example signature('secret', 1700000000, '{"event":"push"}') // 'sha256=…'
 */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A read's rows (in (app, channel, id) order) cut into one list per channel. */
function byChannel(rows: readonly OutboxRow[]): OutboxRow[][] {
  const out: OutboxRow[][] = [];
  for (const row of rows) {
    const last = out.at(-1);
    if (last && last[0]!.app_id === row.app_id && last[0]!.channel_id === row.channel_id) last.push(row);
    else out.push([row]);
  }
  return out;
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  /** The next round set for a due retry, a lease to wait out, or the next prune, and when. */
  private due: { timer: NodeJS.Timeout; at: number } | undefined;
  private readonly rounds = new BackgroundRounds(
    () => this.run(),
    (err) => {
      this.deps.log.warn({ err }, 'chat webhook dispatch failed');
      this.wakeAt(this.now() + AFTER_ERROR_MS);
    },
    () => !this.stopped,
  );
  private stopped = true;
  private lastPrune = 0;
  /** When the lease must be renewed (a third of its length after it was taken) and the renewal under way. */
  private renewAt = 0;
  private renewal: Promise<boolean> | undefined;
  private readonly now: () => number;
  /** The channel workers under way, by app and channel. */
  private readonly workers = new Map<string, Promise<void>>();
  /** When (by `tick`) each worker ended during the current round. */
  private readonly endedAt = new Map<string, number>();
  private tick = 0;
  /** A round left due channels for lack of a free worker. */
  private starved = false;
  /** Where the pass over the channels with pending rows stands: the last channel whose head was read. */
  private cursor: ChannelKey | undefined;
  /** A wake came after the current pass began: it may be for a channel the pass has gone by, so another pass follows. */
  private requested = false;
  /** The delivered rows the next mark writes, and that mark (markDelivered()), while one is gathering. */
  private marks: { rows: Pick<OutboxRow, 'app_id' | 'id'>[]; written: Promise<void> } | undefined;
  /** The coalesced wake after commits (committed()), while one is set. */
  private soon: NodeJS.Timeout | undefined;

  constructor(private readonly deps: OutboxDispatcherDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.deps.options.pollMs !== undefined) {
      this.timer = setInterval(() => this.wake(), this.deps.options.pollMs);
      this.timer.unref();
    }
    this.wake();
  }

  /** Runs a round now (or right after the one under way); a pass over the channels under way is followed by another. */
  wake(): void {
    this.requested = true;
    this.rounds.wake();
  }

  /**
   * Rows were committed: a round within COALESCE_MS, with whatever else is committed meanwhile (a
   * webhook goes out that much later under load, and at a fraction of the queries).
   */
  committed(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.wake();
    }, COALESCE_MS);
    this.soon.unref();
  }

  /** Stops polling, lets the round and the workers under way finish (each call is bounded by the hook timeout) and gives the lease up. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.soon = undefined;
    clearTimeout(this.due?.timer);
    this.due = undefined;
    await this.rounds.settled();
    await Promise.all([...this.workers.values()]);
    await this.deps.repo.release(this.deps.nodeId).catch((err: unknown) => this.deps.log.warn({ err }, 'chat webhook lease release failed'));
  }

  /** Sets a round for `at` unless one is set earlier. */
  private wakeAt(at: number): void {
    if (this.stopped || (this.due && this.due.at <= at)) return;
    clearTimeout(this.due?.timer);
    const timer = setTimeout(
      () => {
        this.due = undefined;
        this.wake();
      },
      Math.max(0, at - this.now()),
    );
    timer.unref();
    this.due = { timer, at };
  }

  /**
   * One round: holds the lease, prunes now and then, and goes on with the pass over the channels with
   * pending rows — read PASS_ROWS at a time from where the last round stopped, round-robin, so that a
   * round costs the same whatever the backlog and no channel waits for others' turns twice — starting
   * a worker for each due channel that has none, while workers are free, with the rows the read gave
   * it and their push recipients (resolved for the whole read: one look-up and one presence question
   * for every channel in it). The round does not wait for the workers, so a slow receiver holds up
   * only its own channel. A worker that moved its channel on wakes a round when it ends, for rows
   * written meanwhile.
   */
  private async run(): Promise<void> {
    const now = this.now();
    // A lease renewed a moment ago is still held: one write per third of the lease, not per round.
    if (now >= this.renewAt && !(await this.renewLease())) {
      // Another node dispatches, or the lease of this node's previous life (a crash) is still running.
      this.wakeAt(now + this.deps.options.leaseMs);
      return;
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.deps.repo.prune({ delivered: now - this.deps.options.retentionMs, failed: now - this.deps.options.failedRetentionMs });
    }
    this.wakeAt(this.lastPrune + PRUNE_EVERY_MS);
    // A worker that ends while its rows are read may have sent them: its channel sits this round out.
    this.endedAt.clear();
    for (let read = 0; read < READS_PER_ROUND; read++) {
      if (this.workers.size >= CONCURRENCY) {
        // The rest of the pass waits for a worker to end (it wakes a round).
        this.starved = true;
        return;
      }
      // A pass begins: what was woken for so far is in it.
      if (!this.cursor) this.requested = false;
      const readTick = ++this.tick;
      const rows = await this.deps.repo.pendingFrom(this.cursor, PASS_ROWS);
      if (rows.length === 0) {
        this.cursor = undefined;
        if (!this.requested) return;
        continue;
      }
      const channels = byChannel(rows);
      const due: { key: string; rows: OutboxRow[]; readOn: boolean }[] = [];
      for (const [i, channel] of channels.entries()) {
        if (this.workers.size + due.length >= CONCURRENCY) {
          // The pass goes on from this channel when a worker ends.
          this.starved = true;
          break;
        }
        const head = channel[0]!;
        this.cursor = { app_id: head.app_id, channel_id: head.channel_id };
        const key = `${head.app_id}\n${head.channel_id}`;
        if (this.workers.has(key) || (this.endedAt.get(key) ?? 0) > readTick) continue;
        // A channel's later events wait while its head waits for its retry.
        if (head.next_attempt_at > now) {
          this.wakeAt(head.next_attempt_at);
          continue;
        }
        // The read's last channel may have rows past the limit: its worker reads on.
        due.push({ key, rows: channel, readOn: rows.length === PASS_ROWS && i === channels.length - 1 });
      }
      const pushes = await this.pushesOf(due.flatMap((d) => d.rows));
      for (const d of due) this.startWorker(d.key, d.rows, pushes, d.readOn);
      if (this.starved) return;
    }
    // The pass goes on in the next round (not a wake: it asks for no pass more).
    this.rounds.wake();
  }

  private startWorker(key: string, rows: OutboxRow[], pushes: Map<string, Push>, readOn: boolean): void {
    const worker = this.sendChannel(rows, pushes, readOn)
      .catch((err: unknown) => {
        this.deps.log.warn({ err }, 'chat webhook dispatch failed');
        this.wakeAt(this.now() + AFTER_ERROR_MS);
        return false;
      })
      .then((progressed) => {
        this.workers.delete(key);
        this.endedAt.set(key, ++this.tick);
        // A pass cut short for want of a worker goes on at once; rows written while this one ran, soon.
        if (this.starved) {
          this.starved = false;
          this.wake();
        } else if (progressed) {
          this.committed();
        }
      });
    this.workers.set(key, worker);
  }

  /**
   * One channel's rows in order from its head: those the pass read, then (`readOn`) a page at a time,
   * until one waits for a retry or none is left; true when one was delivered or failed for good.
   */
  private async sendChannel(first: OutboxRow[], firstPushes: Map<string, Push>, readOn: boolean): Promise<boolean> {
    const head = first[0]!;
    // Delivered rows are marked (with the other workers', markDelivered()) before each next page and
    // when the worker ends, while its channel is still its own, so that no pass reads them again; a
    // crash in between sends them again, which at-least-once allows (X-Parley-Delivery tells).
    const delivered: string[] = [];
    const flush = () => this.markDelivered(head.app_id, delivered.splice(0));
    let progressed = false;
    let [rows, pushes, more] = [first, firstPushes, readOn];
    try {
      for (;;) {
        // Asked once a page (of the server's thread, when this runs on the outbox thread): a change of URL or secret applies from the next.
        const target = await this.deps.apps.target(head.app_id);
        for (const row of rows) {
          if (this.stopped) return progressed;
          // A long worker renews the lease as it goes; lost (this node stalled past it), another node sends.
          if (this.now() >= this.renewAt && !(await this.renewLease())) return progressed;
          const outcome = await this.send(row, target, pushes.get(row.id));
          if (outcome === 'retry') {
            this.wakeAt(this.now() + this.deps.options.backoffMs[row.attempts]!);
            return progressed;
          }
          if (outcome === 'delivered') delivered.push(row.id);
          progressed = true;
        }
        await flush();
        // What is committed after the read wakes a pass of its own (committed(), and this worker's
        // end), rather than each row a read and a mark here.
        if (!more) return progressed;
        rows = await this.deps.repo.following(head.app_id, head.channel_id, rows.at(-1)!.id, CHANNEL_PAGE);
        if (rows.length === 0) return progressed;
        more = rows.length === CHANNEL_PAGE;
        pushes = await this.pushesOf(rows);
      }
    } finally {
      await flush();
    }
  }

  /**
   * Marks a worker's delivered rows with those the other workers mark within MARK_GATHER_MS, in one
   * statement (OutboxRepository.markDelivered); resolves once it is written.
   */
  private markDelivered(appId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    if (!this.marks) {
      const rows: Pick<OutboxRow, 'app_id' | 'id'>[] = [];
      const written = new Promise((resolve) => setTimeout(resolve, MARK_GATHER_MS)).then(() => {
        this.marks = undefined;
        return this.deps.repo.markDelivered(rows, this.now());
      });
      this.marks = { rows, written };
    }
    for (const id of ids) this.marks.rows.push({ app_id: appId, id });
    return this.marks.written;
  }

  /** Takes or renews the lease; false when another node holds it. One renewal at a time. */
  private renewLease(): Promise<boolean> {
    this.renewal ??= (async () => {
      const now = this.now();
      const held = await this.deps.repo.lease(this.deps.nodeId, now + this.deps.options.leaseMs, now);
      this.renewAt = held ? now + this.deps.options.leaseMs / 3 : 0;
      return held;
    })().finally(() => (this.renewal = undefined));
    return this.renewal;
  }

  /** `push`: a push row's intent and its recipients, resolved with the rest of its page (pushesOf; set for every push row). */
  private async send(row: OutboxRow, target: Target, push: Push | undefined): Promise<DeliveryOutcome> {
    if (!target?.url) return this.record(row, 'failed', 'no chat_webhook_url');
    let payload = row.payload;
    if (row.event === 'push') {
      const { intent, recipients } = push!;
      // Nobody to notify (every member online, or none has a token): nothing to hand off.
      if (recipients.length === 0) return this.record(row, 'delivered', 'no recipients');
      payload = JSON.stringify({ ...intent, recipients });
    }
    // The payload is JSON text the outbox wrote (outbox.ts): spliced in as it is, not parsed and written again.
    const body = `{"event":${JSON.stringify(row.event)},"app_id":${JSON.stringify(row.app_id)},"created_at":${row.created_at},"payload":${payload}}`;
    const timestamp = Math.floor(this.now() / 1000);
    const result = await this.deps.poster.deliver(target.url, body, {
      'x-parley-signature': signature(target.secret, timestamp, body),
      'x-parley-timestamp': String(timestamp),
      'x-parley-delivery': row.id,
    });
    if (result.outcome === 'ok') return this.record(row, 'delivered', '');
    const why = result.status === undefined ? result.outcome : `HTTP ${result.status}`;
    return this.record(row, row.attempts < this.deps.options.backoffMs.length ? 'retry' : 'failed', why);
  }

  /**
   * The push hand-offs among `rows` (a pass's read, or a page of one channel's), with their recipients
   * resolved now (each row is an intent, outbox-events.ts): members with a token, not the sender nor
   * those who blocked it, with no live chat connection on any node. Per app, one token query and one
   * presence question for all the rows, not one of each per message or per channel.
   */
  private async pushesOf(rows: readonly OutboxRow[]): Promise<Map<string, Push>> {
    const out = new Map<string, Push>();
    const byApp = new Map<string, { id: string; channelId: string; intent: PushIntent }[]>();
    for (const r of rows) {
      if (r.event !== 'push') continue;
      const intents = byApp.get(r.app_id) ?? byApp.set(r.app_id, []).get(r.app_id)!;
      intents.push({ id: r.id, channelId: r.channel_id, intent: JSON.parse(r.payload) as PushIntent });
    }
    for (const [appId, intents] of byApp) {
      const candidates = await this.deps.pushTokens.candidatesOf(
        appId,
        intents.map((i) => ({ channelId: i.channelId, senderId: i.intent.message.user.user_id })),
      );
      const ids = new Set([...candidates.values()].flatMap((list) => list.map((c) => c.user_id)));
      const online = new Set(ids.size === 0 ? [] : await this.deps.online.online(appId, [...ids]));
      for (const { id, channelId, intent } of intents) {
        out.set(id, { intent, recipients: candidates.get(candidateKey(channelId, intent.message.user.user_id))!.filter((c) => !online.has(c.user_id)) });
      }
    }
    return out;
  }

  /** A delivery is marked by its worker with the others of its page (sendChannel); a retry or a failure at once. */
  private async record(row: OutboxRow, outcome: DeliveryOutcome, why: string): Promise<DeliveryOutcome> {
    if (outcome === 'delivered') {
      this.deps.observe?.(outcome, row.event);
      return outcome;
    }
    const attempts = row.attempts + 1;
    const now = this.now();
    const status = outcome === 'retry' ? 'pending' : outcome;
    const next = outcome === 'retry' ? now + this.deps.options.backoffMs[row.attempts]! : now;
    await this.deps.repo.mark(row, { status, attempts, next_attempt_at: next, last_error: why }, now);
    this.deps.observe?.(outcome, row.event);
    if (outcome === 'failed') this.deps.log.warn({ app: row.app_id, delivery: row.id, event: row.event, attempts, why }, 'chat webhook delivery failed for good');
    return outcome;
  }
}
