/**
 * Kysely queries of messages. A send is three statements in one transaction, and its checks are part
 * of the first: the channel's counter row is incremented only where the channel exists, is not frozen
 * and has the sender as a member (`UPDATE … WHERE … RETURNING`, whose row lock orders concurrent
 * senders on PostgreSQL; SQLite runs one write transaction at a time). A refused send so writes
 * nothing; why it was refused is the service's question (access.ts). Then the sender is marked read
 * (returning its profile) and the message inserted; a rollback returns the id, so ids have no gaps.
 *
 * Sends that arrive together share one transaction (group commit): on SQLite, a single writer anyway,
 * one fsync per batch instead of one per message is what lets it keep up with many senders; on
 * PostgreSQL one BEGIN and COMMIT round trip each per batch, two batches at a time. A refused send in a
 * batch wrote nothing, so it fails alone without a savepoint; any other failure rolls the batch back
 * and each of its sends is then tried in a transaction of its own. Every send resolves only after its
 * commit.
 */
import type { ChatReaction } from '@parley/protocol';
import { sql, type Kysely, type QueryCreator, type Selectable, type Transaction } from 'kysely';
import type { Engine } from '../storage/database.ts';
import { PreparedQueries } from '../storage/prepared-queries.ts';
import type { ChatMessageTable, Database } from '../storage/schema.ts';
import { oneToOneBlocks } from './block.repository.ts';
import { lockChannel, type ChannelRow } from './channel.repository.ts';
import { pinnedIds } from './pin.repository.ts';
import { reactionRowsFor, reactionsOf } from './reaction.repository.ts';
import type { Contains } from './text-search.ts';
import { mentionedIn, raiseMentions, threadConditions, updateThread } from './thread.repository.ts';

export type MessageRow = Selectable<ChatMessageTable>;
/** A message to store: a thread's counters start at their defaults and change only as replies arrive. */
export type NewMessageRow = Omit<MessageRow, 'message_id' | 'reply_count' | 'last_replied_at' | 'reply_user_ids'>;
/** A message with its sender's current profile (null columns when the sender was deleted). */
export type MessageWithUser = MessageRow & {
  user_name: string | null;
  user_profile_url: string | null;
  user_meta: string | null;
  user_created_at: number | null;
  user_updated_at: number | null;
  /** Its reactions, read with the message (none: a message just sent). */
  reactions?: ChatReaction[];
};

export interface MessageListQuery {
  /** Exclusive: `prev` lists ids below it (default: from the newest), `next` ids above it (default 0). */
  base?: number;
  mode: 'prev' | 'next';
  limit: number;
  type?: 'text' | 'file';
  content?: string;
  /** Leave out the messages of users this user blocked (a user caller's view). */
  viewer?: string;
  /** Top-level messages only (false), or replies too (true); ignored with `parent`. */
  includeReplies?: boolean;
  /** Only the replies of this top-level message. */
  parent?: number;
}

/**
 * A send that did not happen: the channel is missing or frozen, or the sender is not a member of it.
 * `wrote`: the refusal came after the send had written (PostgreSQL: a ban committed between its first
 * statements), so its transaction must be rolled back whole.
 */
export class SendRefused extends Error {
  constructor(readonly wrote = false) {
    super('send refused');
  }
}

/** The sender's profile columns, joined as `u` (message search and exports read messages the same way). */
export const USER_COLUMNS = ['u.name as user_name', 'u.profile_url as user_profile_url', 'u.meta as user_meta', 'u.created_at as user_created_at', 'u.updated_at as user_updated_at'] as const;

/** The sender's profile columns of a MessageWithUser. */
export type SenderProfile = Pick<MessageWithUser, 'user_name' | 'user_profile_url' | 'user_meta' | 'user_created_at' | 'user_updated_at'>;

/** A stored message's id, its channel as this send left it (counters included), and its sender's profile. */
export interface SendOutcome {
  messageId: number;
  channel: ChannelRow;
  sender: SenderProfile;
  /** A reply's parent as the reply left its thread. */
  parent?: MessageWithUser;
  /** The mentioned members (the sender aside) whose unread mention count the send raised. */
  mentioned: string[];
}

/** Work run in a change's transaction with the message as it stored it (its chat webhook event, outbox.ts). */
export type MessageWork = (tx: Transaction<Database>, row: MessageWithUser) => Promise<void>;

/** Work run in the send's transaction after the message is stored (its chat webhook events, outbox.ts). */
export type AfterSend = (tx: Transaction<Database>, sent: SendOutcome) => Promise<void>;

/** Runs a send transaction's `work` in `tx`, with whatever must happen at its end. */
export type BatchWork = <T>(tx: Transaction<Database>, work: () => Promise<T>) => Promise<T>;

interface PendingSend {
  row: NewMessageRow;
  also: AfterSend | undefined;
  resolve(sent: SendOutcome): void;
  reject(err: unknown): void;
}

/** Most sends in one transaction; more wait for the next one. */
const GROUP_COMMIT_MAX = 256;
/**
 * Send transactions under way at once. SQLite runs one at a time on its one connection; PostgreSQL's
 * run side by side on the pool's connections, two of them (of 10 by default; the rest are left to reads):
 * on this 2-core machine one gave 675 sends/s, two 855, three 899, four 873 (`npm run bench -- --scenarios=chat`).
 */
const BATCHES_IN_FLIGHT: Record<Engine, number> = { sqlite: 1, postgres: 2 };

const compareChannels = (a: NewMessageRow, b: NewMessageRow): number => (a.app_id < b.app_id ? -1 : a.app_id > b.app_id ? 1 : a.channel_id < b.channel_id ? -1 : a.channel_id > b.channel_id ? 1 : 0);

/** A row of a message query (messages `m` with their sender and `reaction_rows`) as a MessageWithUser. */
function fromQuery<R extends Omit<MessageWithUser, 'reactions'> & { reaction_rows: unknown }>(row: R): MessageWithUser {
  const { reaction_rows, ...message } = row;
  return { ...message, message_id: Number(row.message_id), reactions: reactionsOf(reaction_rows) };
}

/** The columns a send stores, in the order its INSERT lists them (message_id comes from the counter). */
const MESSAGE_COLUMNS = [
  'app_id',
  'channel_id',
  'type',
  'user_id',
  'content',
  'file_key',
  'file_name',
  'file_type',
  'file_size',
  'meta',
  'created_at',
  'updated_at',
  'edited_at',
  'parent_message_id',
  'mentioned_user_ids',
] as const satisfies readonly (keyof NewMessageRow)[];

/** Every column of a NewMessageRow is stored: a column added to the table but not here fails to compile. */
type Unstored = Exclude<keyof NewMessageRow, (typeof MESSAGE_COLUMNS)[number]>;
const allColumnsStored: [Unstored] extends [never] ? true : { missing: Unstored } = true;
void allColumnsStored;

/** What storing a send answers: its id, its channel's counter row as raised, the sender's profile. */
interface Stored {
  messageId: number;
  counter: ChannelRow;
  sender: SenderProfile;
}

/** The counter statement's values, in the order counterUpdate reads them. */
function counterValues(row: NewMessageRow, parentId: number | undefined, mentioned: readonly string[]): unknown[] {
  return [row.type === 'file' ? 1 : 0, row.created_at, row.app_id, row.channel_id, row.user_id, ...mentioned, ...(parentId === undefined ? [] : [parentId])];
}

/**
 * The channel's counter raised where the send may happen: the channel exists, is not frozen, has the
 * sender as a member who is not muted, is no 1:1 with a member who blocked the sender, and — for a
 * reply or mentions — has the parent and the mentioned members (thread-rules.ts). `v`: counterValues.
 */
function counterUpdate(qb: QueryCreator<Database>, v: readonly unknown[], reply: boolean, mentionCount: number) {
  const [file, at, app, channel, user] = v as [number, number, string, string, string];
  const named = v.slice(5, 5 + mentionCount) as string[];
  const parent = reply ? (v[5 + mentionCount] as number) : undefined;
  return qb
    .updateTable('chat_channels')
    .set((eb) => ({
      last_message_id: eb('last_message_id', '+', 1),
      total_message_count: eb('total_message_count', '+', 1),
      total_file_count: eb('total_file_count', '+', file),
      last_message_at: at,
    }))
    .where('chat_channels.app_id', '=', app)
    .where('chat_channels.channel_id', '=', channel)
    .where('chat_channels.freeze', '=', 0)
    .where((eb) =>
      eb.and([
        ...threadConditions(eb, app, channel, parent, named),
        eb.exists(eb.selectFrom('chat_members as m').select('m.user_id').where('m.app_id', '=', app).where('m.channel_id', '=', channel).where('m.user_id', '=', user)),
        // A muted member reads but may not send: refused by the same statement, like a frozen channel.
        eb.not(
          eb.exists(
            eb.selectFrom('chat_mutes as mu').select('mu.user_id').where('mu.app_id', '=', app).where('mu.channel_id', '=', channel).where('mu.user_id', '=', user).where('mu.expires_at', '>', at),
          ),
        ),
        // In a 1:1 channel, the other member's block refuses the send (1022); cheap when nobody blocked the sender.
        eb.not(eb.exists(oneToOneBlocks(qb, app, channel, user))),
      ]),
    );
}

/** The sender's profile as returned by the statement that marks it read. */
function senderProfile(db: Kysely<Database>, app: string, user: string) {
  const profile = db.selectFrom('chat_users as u').where('u.app_id', '=', app).where('u.user_id', '=', user);
  return [
    profile.select('u.name').as('user_name'),
    profile.select('u.profile_url').as('user_profile_url'),
    profile.select('u.meta').as('user_meta'),
    profile.select('u.created_at').as('user_created_at'),
    profile.select('u.updated_at').as('user_updated_at'),
  ] as const;
}

export class MessageRepository {
  private pending: PendingSend[] = [];
  private batchesInFlight = 0;
  private readonly prepared = new PreparedQueries();
  /** Each message's reactions, read by the statement that reads the message. */
  private readonly reactionRows: ReturnType<typeof reactionRowsFor>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly contains: Contains,
    private readonly engine: Engine,
    /** Wraps a send transaction's work: the outbox's collect(), which writes the batch's event rows in one statement. */
    private readonly inBatch: BatchWork = (_tx, work) => work(),
  ) {
    this.reactionRows = reactionRowsFor(db, engine);
  }

  /**
   * Stores the message and returns its id; throws SendRefused (rolled back) when it may not be sent.
   * `also` runs in the same transaction once the message is stored (the outbox rows it writes are gathered: one statement for the whole batch).
   * Sends that arrive together share one transaction (group commit): one BEGIN and one COMMIT, and on
   * PostgreSQL one round trip of each, for the lot.
   */
  async insert(row: NewMessageRow, also?: AfterSend): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, also, resolve, reject });
      // The batch closes after this turn's I/O callbacks: every send that arrived meanwhile joins it
      // (and while every batch slot is taken, all that arrive until one is free).
      if (this.pending.length === 1) setImmediate(() => this.startBatches());
    });
  }

  private startBatches(): void {
    while (this.batchesInFlight < BATCHES_IN_FLIGHT[this.engine] && this.pending.length > 0) {
      const batch = this.pending.splice(0, GROUP_COMMIT_MAX);
      this.batchesInFlight++;
      void this.commitBatch(batch).finally(() => {
        this.batchesInFlight--;
        this.startBatches();
      });
    }
  }

  private async commitBatch(arrived: PendingSend[]): Promise<void> {
    // Channel by channel (arrival order kept within each): concurrent batches then take their channels'
    // row locks in one order, so that none waits for another in a cycle.
    const batch = arrived.map((p, i) => ({ p, i })).sort((a, b) => compareChannels(a.p.row, b.p.row) || a.i - b.i).map(({ p }) => p);
    const outcomes: ({ ok: true; sent: SendOutcome } | { ok: false; err: unknown })[] = [];
    try {
      await this.db.transaction().execute((tx) =>
        this.inBatch(tx, async () => {
          for (const { row, also } of batch) {
            try {
              outcomes.push({ ok: true, sent: await this.insertIn(tx, row, also) });
            } catch (err) {
              // Refused before writing: nothing of it to undo. Anything else fails the batch (below).
              if (!(err instanceof SendRefused) || err.wrote) throw err;
              outcomes.push({ ok: false, err });
            }
          }
        }),
      );
    } catch {
      // Rolled back whole: each send again in a transaction of its own, so that only the failing one fails.
      for (const p of batch) {
        await this.db
          .transaction()
          .execute((tx) => this.inBatch(tx, () => this.insertIn(tx, p.row, p.also)))
          .then(p.resolve, p.reject);
      }
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.sent);
      else p.reject(outcome.err);
    });
  }

  private async insertIn(tx: Transaction<Database>, row: NewMessageRow, also: AfterSend | undefined): Promise<SendOutcome> {
    const { app_id: appId, channel_id: channelId, user_id: userId } = row;
    const parentId = row.parent_message_id ?? undefined;
    const mentioned = mentionedIn(row);
    const { messageId, counter, sender } = this.engine === 'postgres' ? await this.storeInOne(tx, row, parentId, mentioned) : await this.storeInThree(tx, row, parentId, mentioned);
    // One statement more for a reply, one for a mention, in this transaction.
    let parent: MessageWithUser | undefined;
    if (parentId !== undefined) {
      parent = await updateThread(tx, appId, channelId, parentId, userId, row.created_at);
      // Deleted between the check and here (PostgreSQL): the whole send is undone.
      if (!parent) throw new SendRefused(true);
    }
    const others = mentioned.filter((id) => id !== userId);
    const raised = others.length === 0 ? [] : await raiseMentions(tx, appId, channelId, userId, others);
    const sent = { messageId, channel: counter, sender, parent, mentioned: raised };
    await also?.(tx, sent);
    return sent;
  }

  /**
   * SQLite: the counter, the sender's read mark and the message as three statements (in-process, a
   * statement costs microseconds; SQLite has no UPDATE inside a WITH).
   */
  private async storeInThree(tx: Transaction<Database>, row: NewMessageRow, parentId: number | undefined, mentioned: readonly string[]): Promise<Stored> {
    const { app_id: appId, channel_id: channelId, user_id: userId } = row;
    // The send's statements are compiled once per shape (a reply or not, how many mentioned): they run per message.
    const [counter] = await this.prepared.run(tx, `counter ${parentId === undefined ? '' : 'reply'} ${mentioned.length}`, counterValues(row, parentId, mentioned), (v) =>
      counterUpdate(this.db, v, parentId !== undefined, mentioned.length).returningAll(),
    );
    if (!counter) throw new SendRefused();
    const messageId = Number(counter.last_message_id);
    // Sending marks the sender read up to its own message; its profile comes back with the same statement.
    const [sender] = await this.prepared.run(tx, 'sender', [messageId, row.created_at, appId, channelId, userId], ([id, at, app, channel, user]) =>
      this.db
        .updateTable('chat_members')
        .set({ read_message_id: id as number, read_at: at as number, unread_mention_count: 0 })
        .where('app_id', '=', app as string)
        .where('channel_id', '=', channel as string)
        .where('user_id', '=', user as string)
        .returning(senderProfile(this.db, app as string, user as string)),
    );
    if (!sender) throw new SendRefused(true);
    const stored = { ...row, message_id: messageId };
    await this.prepared.insert(tx, 'message', [...MESSAGE_COLUMNS, 'message_id'], [stored], (values) => this.db.insertInto('chat_messages').values(values));
    return { messageId, counter, sender };
  }

  /**
   * PostgreSQL: the same three changes as one statement (data-modifying WITH), one round trip instead
   * of three — on loopback TCP each statement's socket write alone cost ~50 µs of the node's CPU, more
   * than the rest of a send. The counter's row lock orders concurrent senders as before; the sender's
   * mark and the message take the counter's new id, and happen only where it was raised. A counter row
   * without a sender row (the member left between the check and the mark) wrote: the caller rolls back.
   */
  private async storeInOne(tx: Transaction<Database>, row: NewMessageRow, parentId: number | undefined, mentioned: readonly string[]): Promise<Stored> {
    const counterCount = 5 + mentioned.length + (parentId === undefined ? 0 : 1);
    const values = [...counterValues(row, parentId, mentioned), ...MESSAGE_COLUMNS.map((c) => row[c])];
    const [found] = await this.prepared.run(tx, `send ${parentId === undefined ? '' : 'reply'} ${mentioned.length}`, values, (v) => {
      const [, at, app, channel, user] = v as [number, number, string, string, string];
      const message = v.slice(counterCount);
      return this.db
        .with('counter', (qb) => counterUpdate(qb, v, parentId !== undefined, mentioned.length).returningAll())
        .with('sender', (qb) =>
          qb
            .updateTable('chat_members')
            .from('counter')
            .set((eb) => ({ read_message_id: eb.ref('counter.last_message_id'), read_at: at, unread_mention_count: 0 }))
            .where('chat_members.app_id', '=', app)
            .where('chat_members.channel_id', '=', channel)
            .where('chat_members.user_id', '=', user)
            .returning([...senderProfile(this.db, app, user), sql<number>`1`.as('sender_found')]),
        )
        .with('stored', (qb) =>
          qb
            .insertInto('chat_messages')
            .columns([...MESSAGE_COLUMNS, 'message_id'])
            .expression((eb) => eb.selectFrom(['counter', 'sender']).select([...MESSAGE_COLUMNS.map((c, i) => sql`${message[i]}`.as(c)), 'counter.last_message_id'])),
        )
        .selectFrom('counter')
        .leftJoin('sender', (j) => j.onTrue())
        .selectAll('counter')
        .select(['sender.user_name', 'sender.user_profile_url', 'sender.user_meta', 'sender.user_created_at', 'sender.user_updated_at', 'sender.sender_found']);
    });
    if (!found) throw new SendRefused();
    const { user_name, user_profile_url, user_meta, user_created_at, user_updated_at, sender_found, ...counter } = found;
    if (sender_found === null) throw new SendRefused(true);
    return { messageId: Number(counter.last_message_id), counter, sender: { user_name, user_profile_url, user_meta, user_created_at, user_updated_at } };
  }

  /** Messages of one channel joined with their sender's current profile. */
  private query(appId: string, channelId: string, db: Kysely<Database> = this.db) {
    return db
      .selectFrom('chat_messages as m')
      .leftJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'm.app_id').onRef('u.user_id', '=', 'm.user_id'))
      .selectAll('m')
      .select(USER_COLUMNS)
      .select(this.reactionRows())
      .where('m.app_id', '=', appId)
      .where('m.channel_id', '=', channelId);
  }

  /** The message with its sender and reactions; `db` a transaction to read what it has written. */
  async get(appId: string, channelId: string, messageId: number, db: Kysely<Database> = this.db): Promise<MessageWithUser | undefined> {
    const row = await this.query(appId, channelId, db).where('m.message_id', '=', messageId).executeTakeFirst();
    return row && fromQuery(row);
  }

  async list(appId: string, channelId: string, query: MessageListQuery): Promise<MessageWithUser[]> {
    let q = this.query(appId, channelId);
    const { parent } = query;
    if (parent !== undefined) q = q.where('m.parent_message_id', '=', parent);
    else if (!query.includeReplies) q = q.where('m.parent_message_id', 'is', null);
    if (query.type) q = q.where('m.type', '=', query.type);
    if (query.content !== undefined && query.content !== '') q = q.where(this.contains('m.content', query.content));
    const viewer = query.viewer;
    if (viewer !== undefined) {
      q = q.where((eb) => eb.not(eb.exists(eb.selectFrom('chat_blocks as bl').select('bl.blocked_id').whereRef('bl.app_id', '=', 'm.app_id').where('bl.user_id', '=', viewer).whereRef('bl.blocked_id', '=', 'm.user_id'))));
    }
    if (query.mode === 'next') {
      q = q.where('m.message_id', '>', query.base ?? 0).orderBy('m.message_id', 'asc');
    } else {
      if (query.base !== undefined) q = q.where('m.message_id', '<', query.base);
      q = q.orderBy('m.message_id', 'desc');
    }
    const rows = (await q.limit(query.limit).execute()).map(fromQuery);
    return query.mode === 'next' ? rows : rows.reverse();
  }

  /** The newest message of each listed channel. */
  async last(appId: string, channelIds: readonly string[]): Promise<Map<string, MessageWithUser>> {
    const out = new Map<string, MessageWithUser>();
    if (channelIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('chat_messages as m')
      .innerJoin(
        (eb) =>
          eb
            .selectFrom('chat_messages')
            .select(['channel_id', (e) => e.fn.max('message_id').as('max_id')])
            .where('app_id', '=', appId)
            .where('channel_id', 'in', [...channelIds])
            .groupBy('channel_id')
            .as('latest'),
        (j) => j.onRef('latest.channel_id', '=', 'm.channel_id').onRef('latest.max_id', '=', 'm.message_id'),
      )
      .leftJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'm.app_id').onRef('u.user_id', '=', 'm.user_id'))
      .selectAll('m')
      .select(USER_COLUMNS)
      .select(this.reactionRows())
      .where('m.app_id', '=', appId)
      .execute();
    for (const r of rows) out.set(r.channel_id, fromQuery(r));
    return out;
  }

  /**
   * Reads the message under its row lock, applies `change` to it (answering the new meta, or throwing to
   * refuse) and stores the result in the same transaction, so that concurrent merges never lose each other's keys.
   * Answers the message as stored, or undefined when there is no such message.
   */
  changeMeta(appId: string, channelId: string, messageId: number, change: (row: MessageWithUser) => string, now: number, also?: MessageWork): Promise<MessageWithUser | undefined> {
    return this.rewrite(appId, channelId, messageId, (row) => ({ meta: change(row), updated_at: now }), also);
  }

  /**
   * Replaces a message's content under its row lock: `change` sees the stored message and answers the
   * new content (or throws to refuse). Answers the message as stored, or undefined when there is no such message.
   */
  edit(appId: string, channelId: string, messageId: number, change: (row: MessageWithUser) => string, now: number, also?: MessageWork): Promise<MessageWithUser | undefined> {
    return this.rewrite(appId, channelId, messageId, (row) => ({ content: change(row), edited_at: now, updated_at: now }), also);
  }

  /** Reads the message under its row lock and stores the columns `change` answers; `also` runs in the same transaction with the message as stored (its chat webhook event). */
  private rewrite(appId: string, channelId: string, messageId: number, change: (row: MessageWithUser) => Partial<Pick<MessageRow, 'meta' | 'content' | 'edited_at' | 'updated_at'>>, also: MessageWork | undefined): Promise<MessageWithUser | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const found = await this.query(appId, channelId, tx).where('m.message_id', '=', messageId).forUpdate(['m']).executeTakeFirst();
      if (!found) return undefined;
      const row = fromQuery(found);
      const columns = change(row);
      await tx.updateTable('chat_messages').set(columns).where('app_id', '=', appId).where('channel_id', '=', channelId).where('message_id', '=', messageId).execute();
      const stored = { ...row, ...columns };
      await also?.(tx, stored);
      return stored;
    });
  }

  /**
   * Deletes the message (its reactions, its pin) and lowers the channel's counts (and a reply's thread
   * count); false when it did not exist. `also` gets the channel as the delete left it, in the same transaction.
   */
  async delete(
    appId: string,
    channelId: string,
    messageId: number,
    isFile: boolean,
    parentId: number | null = null,
    also?: (tx: Transaction<Database>, channel: ChannelRow) => Promise<void>,
  ): Promise<false | { unpinned: boolean }> {
    return this.db.transaction().execute(async (tx) => {
      // The channel row first, as a send locks it before the parent it replies to: a delete of that
      // parent racing the reply waits instead of deadlocking (PostgreSQL).
      await lockChannel(tx, appId, channelId);
      const result = await tx
        .deleteFrom('chat_messages')
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .where('message_id', '=', messageId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await tx.deleteFrom('chat_reactions').where('app_id', '=', appId).where('channel_id', '=', channelId).where('message_id', '=', messageId).execute();
      if (parentId !== null) {
        await tx
          .updateTable('chat_messages')
          .set((eb) => ({ reply_count: eb('reply_count', '-', 1) }))
          .where('app_id', '=', appId)
          .where('channel_id', '=', channelId)
          .where('message_id', '=', parentId)
          .where('reply_count', '>', 0)
          .execute();
      }
      const channel = await tx
        .updateTable('chat_channels')
        .set((eb) => ({ total_message_count: eb('total_message_count', '-', 1), total_file_count: eb('total_file_count', '-', isFile ? 1 : 0) }))
        .where('app_id', '=', appId)
        .where('channel_id', '=', channelId)
        .returningAll()
        .executeTakeFirst();
      if (!channel) return { unpinned: false };
      // Under the row lock the update took: a deleted message is unpinned (DESIGN.md, Pins).
      const pins = pinnedIds(channel.pinned_message_ids);
      const unpinned = pins.includes(messageId);
      const left = unpinned ? { ...channel, pinned_message_ids: JSON.stringify(pins.filter((id) => id !== messageId)) } : channel;
      if (unpinned) {
        await tx
          .updateTable('chat_channels')
          .set({ pinned_message_ids: left.pinned_message_ids })
          .where('app_id', '=', appId)
          .where('channel_id', '=', channelId)
          .execute();
      }
      await also?.(tx, left);
      return { unpinned };
    });
  }

  /** The stored file's metadata, by its generated key. */
  fileByKey(key: string): Promise<Pick<MessageRow, 'app_id' | 'file_name' | 'file_type' | 'file_size'> | undefined> {
    return this.db.selectFrom('chat_messages').select(['app_id', 'file_name', 'file_type', 'file_size']).where('file_key', '=', key).executeTakeFirst();
  }
}
