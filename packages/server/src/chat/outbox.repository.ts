/**
 * Kysely queries of the chat webhook outbox (migration 0014_chat_outbox): rows written inside the
 * transactions of the changes that cause them, read and marked by the dispatcher, listed and retried by
 * the console. One query code for both engines; the dispatcher's exclusivity is a lease row.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { paddedList, PreparedQueries } from '../storage/prepared-queries.ts';
import type { ChatOutboxTable, Database } from '../storage/schema.ts';
import { pushableTokens } from './push-token.repository.ts';

export type OutboxRow = Selectable<ChatOutboxTable>;
export type OutboxStatus = 'pending' | 'delivered' | 'failed';
/** A channel's place in the dispatcher's pass over the channels with pending rows. */
export type ChannelKey = Pick<OutboxRow, 'app_id' | 'channel_id'>;

const LEASE = 'chat_webhooks';
/** Rows per INSERT at most: a group commit's rows go in one, and SQLite takes at most 500 terms in a UNION. */
const ROWS_PER_INSERT = 200;
/** Rows marked delivered per statement at most (a power of two: paddedList pads to one). */
const MARKS_PER_UPDATE = 512;
/** Rows deleted per statement by prune(). */
const PRUNE_CHUNK = 500;
/** The columns of a row in insert order (the prepared INSERT's values, row after row). */
const COLUMNS = ['app_id', 'id', 'channel_id', 'event', 'payload', 'status', 'attempts', 'next_attempt_at', 'last_error', 'created_at', 'updated_at'] as const satisfies readonly (keyof OutboxRow)[];
/** Their SQL types (migration 0014), for rows written through a SELECT. */
const COLUMN_TYPES: Record<(typeof COLUMNS)[number], string> = {
  app_id: 'text',
  id: 'text',
  channel_id: 'text',
  event: 'text',
  payload: 'text',
  status: 'text',
  attempts: 'integer',
  next_attempt_at: 'bigint',
  last_error: 'text',
  created_at: 'bigint',
  updated_at: 'bigint',
};

export class OutboxRepository {
  /** The queries run once or more per event: the write in a change's transaction, the dispatcher's reads and marks. */
  private readonly prepared = new PreparedQueries();

  constructor(private readonly db: Kysely<Database>) {}

  /** One INSERT of every row (per ROWS_PER_INSERT), in the caller's transaction. */
  async insert(tx: Transaction<Database>, rows: readonly OutboxRow[]): Promise<void> {
    for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
      await this.prepared.insert(tx, 'outbox', COLUMNS, rows.slice(at, at + ROWS_PER_INSERT), (values) => this.db.insertInto('chat_outbox').values(values));
    }
  }

  /**
   * One INSERT of every row, some of them — a send's push row — only when the message could be pushed
   * to someone (pushableTokens: a member but the sender, holding a token, who has not blocked the
   * sender): INSERT … SELECT … UNION ALL SELECT … WHERE EXISTS, still one statement in the caller's
   * transaction (on PostgreSQL a statement more is a round trip more). Most messages of most apps have
   * nobody to push to, and a row that can only end "no recipients" costs its write, its read and its
   * mark for nothing.
   */
  async insertSome(tx: Transaction<Database>, rows: readonly { row: OutboxRow; pushFrom: string | undefined }[]): Promise<void> {
    if (rows.every((r) => r.pushFrom === undefined)) return this.insert(tx, rows.map((r) => r.row));
    if (rows.length > ROWS_PER_INSERT) {
      for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) await this.insertSome(tx, rows.slice(at, at + ROWS_PER_INSERT));
      return;
    }
    const values = rows.flatMap((r) => [...COLUMNS.map((c) => r.row[c]), ...(r.pushFrom === undefined ? [] : [r.pushFrom])]);
    const shape = `insert some ${rows.map((r) => (r.pushFrom === undefined ? 'r' : 'p')).join('')}`;
    await this.prepared.run(tx, shape, values, (v) => {
      let at = 0;
      const selects = rows.map((r) => {
        const own = v.slice(at, at + COLUMNS.length);
        at += COLUMNS.length;
        // Typed: the rows of a UNION are typed by themselves, not by the INSERT's columns (PostgreSQL).
        const select = this.db.selectNoFrom(() => COLUMNS.map((c, i) => sql`cast(${own[i]} as ${sql.raw(COLUMN_TYPES[c])})`.as(c)));
        if (r.pushFrom === undefined) return select;
        const sender = v[at++] as string;
        return select.where((eb) => eb.exists(pushableTokens(this.db, own[0] as string, own[2] as string, sender).select('t.token')));
      });
      const union = selects.slice(1).reduce((all, one) => all.unionAll(one), selects[0]!);
      return this.db.insertInto('chat_outbox').columns([...COLUMNS]).expression(union);
    });
  }

  /**
   * Up to `limit` pending rows of the channels after `after` in (app, channel) order (from the first
   * channel when undefined), in (app, channel, id) order: the dispatcher's pass reads the first pages
   * of many channels in one range of chat_outbox_pending (migration 0018), instead of a head seek, a
   * page read and a push look-up per channel. Every channel in the answer but the last has all its
   * pending rows in it.
   */
  async pendingFrom(after: ChannelKey | undefined, limit: number): Promise<OutboxRow[]> {
    const values = after ? [after.app_id, after.channel_id, limit] : [limit];
    const rows = await this.prepared.run(this.db, after ? 'pending after' : 'pending', values, (v) => {
      let q = this.db.selectFrom('chat_outbox').selectAll().where('status', '=', 'pending');
      if (after) q = q.where((eb) => eb(eb.refTuple('app_id', 'channel_id'), '>', eb.tuple(v[0] as string, v[1] as string)));
      return q
        .orderBy('app_id')
        .orderBy('channel_id')
        .orderBy('id')
        .limit(v.at(-1) as number);
    });
    return rows.map(numbers);
  }

  /** A channel's pending rows after `afterId`, in order. */
  async following(appId: string, channelId: string, afterId: string, limit: number): Promise<OutboxRow[]> {
    const rows = await this.prepared.run(this.db, 'following', [appId, channelId, afterId, limit], ([app, channel, after, max]) =>
      this.db
        .selectFrom('chat_outbox')
        .selectAll()
        .where('app_id', '=', app as string)
        .where('channel_id', '=', channel as string)
        .where('status', '=', 'pending')
        .where('id', '>', after as string)
        .orderBy('id')
        .limit(max as number),
    );
    return rows.map(numbers);
  }

  get(appId: string, id: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom('chat_outbox').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst().then((row) => row && numbers(row));
  }

  /** Records a try's outcome: the new status, tries so far, when the next is due and why the last one failed. */
  async mark(row: Pick<OutboxRow, 'app_id' | 'id'>, change: Pick<OutboxRow, 'status' | 'attempts' | 'next_attempt_at' | 'last_error'>, now: number): Promise<void> {
    await this.db
      .updateTable('chat_outbox')
      .set({ ...change, updated_at: now })
      .where('app_id', '=', row.app_id)
      .where('id', '=', row.id)
      .execute();
  }

  /**
   * Marks delivered rows, of any channels and apps, in one statement per app and MARKS_PER_UPDATE
   * rows: the dispatcher's channel workers mark together (outbox-dispatcher.ts), so that a table page
   * holding rows of several channels is written once, not once for each (on SQLite every write of a
   * page is a page more for the next commit to sync).
   */
  async markDelivered(rows: readonly Pick<OutboxRow, 'app_id' | 'id'>[], now: number): Promise<void> {
    const byApp = new Map<string, string[]>();
    for (const r of rows) (byApp.get(r.app_id) ?? byApp.set(r.app_id, []).get(r.app_id)!).push(r.id);
    for (const [appId, ids] of byApp) {
      for (let at = 0; at < ids.length; at += MARKS_PER_UPDATE) {
        const of = paddedList(ids.slice(at, at + MARKS_PER_UPDATE));
        await this.prepared.run(this.db, `delivered ${of.length}`, [now, appId, ...of], ([at, app, ...list]) =>
          this.db
            .updateTable('chat_outbox')
            .set((eb) => ({ status: 'delivered', attempts: eb('attempts', '+', 1), next_attempt_at: at as number, last_error: '', updated_at: at as number }))
            .where('app_id', '=', app as string)
            .where('id', 'in', list as string[]),
        );
      }
    }
  }

  /**
   * Deletes the rows delivered before `delivered` and those that failed for good before `failed`, a
   * chunk per statement (on SQLite a statement holds the file's write lock, which the sends wait for);
   * answers how many.
   */
  async prune(before: { delivered: number; failed: number }): Promise<number> {
    let total = 0;
    for (;;) {
      const prunable = this.db
        .selectFrom('chat_outbox')
        .select(['app_id', 'id'])
        .where((eb) => eb.or([eb.and([eb('status', '=', 'delivered'), eb('updated_at', '<', before.delivered)]), eb.and([eb('status', '=', 'failed'), eb('updated_at', '<', before.failed)])]))
        .limit(PRUNE_CHUNK);
      const result = await this.db
        .deleteFrom('chat_outbox')
        .where((eb) => eb(eb.refTuple('app_id', 'id'), 'in', prunable.$asTuple('app_id', 'id')))
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < PRUNE_CHUNK) return total;
    }
  }

  /** Rows by status, all apps (the depth metric). */
  async depth(): Promise<Record<OutboxStatus, number>> {
    const rows = await this.db.selectFrom('chat_outbox').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute();
    const out: Record<OutboxStatus, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of rows) if (r.status in out) out[r.status as OutboxStatus] = Number(r.n);
    return out;
  }

  /** One app's rows of a status, newest first, older than the `before` id. */
  list(appId: string, status: OutboxStatus, before: string | undefined, limit: number): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('chat_outbox').selectAll().where('app_id', '=', appId).where('status', '=', status);
    if (before !== undefined) q = q.where('id', '<', before);
    return q.orderBy('id', 'desc').limit(limit).execute().then((rows) => rows.map(numbers));
  }

  /** Makes a failed row pending again with a fresh schedule; false when there is no such failed row. */
  async retry(appId: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('chat_outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Takes or renews the dispatcher's lease for `holder` until `until`: granted when nobody holds it,
   * this holder does, or the last holder's lease ran out (a node that died). One UPDATE decides, so two
   * nodes never both hold it.
   */
  async lease(holder: string, until: number, now: number): Promise<boolean> {
    await this.db
      .insertInto('chat_outbox_lease')
      .values({ name: LEASE, holder: '', expires_at: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const result = await this.db
      .updateTable('chat_outbox_lease')
      .set({ holder, expires_at: until })
      .where('name', '=', LEASE)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives the lease up (clean shutdown), so that another node takes over at once. */
  async release(holder: string): Promise<void> {
    await this.db.updateTable('chat_outbox_lease').set({ holder: '', expires_at: 0 }).where('name', '=', LEASE).where('holder', '=', holder).execute();
  }
}

/** PostgreSQL's bigint columns arrive as numbers already (database.ts); SQLite's integers too, but attempts may be a string on either. */
const numbers = (row: OutboxRow): OutboxRow => ({ ...row, attempts: Number(row.attempts), next_attempt_at: Number(row.next_attempt_at), created_at: Number(row.created_at), updated_at: Number(row.updated_at) });
