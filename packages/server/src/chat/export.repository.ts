/**
 * Kysely queries of export jobs and of what they export. A job is claimed under a lease: `running`
 * until `lease_until`, renewed with each batch written; a lease that lapsed (its node died) frees the
 * job for any node. `attempts` numbers the claims, and every write of a running job names the one it
 * holds, so a node that lost its job to another can no longer touch it. The items are read in pages
 * by primary key (keyset), so no export ever holds more than one page.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ChatExportTable, Database } from '../storage/schema.ts';
import type { ChannelRow } from './channel.repository.ts';
import { USER_COLUMNS, type MessageWithUser } from './message.repository.ts';
import type { UserRow } from './user.repository.ts';

export type ExportRow = Selectable<ChatExportTable>;

/** Bounds of an export's items (created_at in [from, to)). */
export interface ExportRange {
  channelId: string | null;
  from: number | null;
  to: number | null;
}

const numeric = (row: ExportRow): ExportRow => ({
  ...row,
  count: Number(row.count),
  attempts: Number(row.attempts),
  lease_until: Number(row.lease_until),
  from_at: row.from_at === null ? null : Number(row.from_at),
  to_at: row.to_at === null ? null : Number(row.to_at),
  expires_at: row.expires_at === null ? null : Number(row.expires_at),
  created_at: Number(row.created_at),
  updated_at: Number(row.updated_at),
});

export class ExportRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ExportRow): Promise<void> {
    await this.db.insertInto('chat_exports').values(row).execute();
  }

  async get(appId: string, exportId: string): Promise<ExportRow | undefined> {
    const row = await this.db.selectFrom('chat_exports').selectAll().where('app_id', '=', appId).where('export_id', '=', exportId).executeTakeFirst();
    return row && numeric(row);
  }

  /** By id alone: the download route, whose signed URL names no app. */
  async byId(exportId: string): Promise<ExportRow | undefined> {
    const row = await this.db.selectFrom('chat_exports').selectAll().where('export_id', '=', exportId).executeTakeFirst();
    return row && numeric(row);
  }

  /**
   * Claims the oldest job that is queued or whose lease lapsed, in an app with fewer than `perApp`
   * jobs running; a lapsed one claimed `maxAttempts` times already is failed instead. The app's row
   * lock (PostgreSQL) orders the claims of one app across nodes, so the bound holds cluster-wide.
   */
  claim(now: number, leaseMs: number, perApp: number, maxAttempts: number): Promise<ExportRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const candidates = await tx
        .selectFrom('chat_exports')
        .selectAll()
        .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]))
        .orderBy('created_at')
        .orderBy('export_id')
        .limit(50)
        .execute();
      for (const found of candidates.map(numeric)) {
        const mine = tx.updateTable('chat_exports').where('app_id', '=', found.app_id).where('export_id', '=', found.export_id).where('status', '=', found.status).where('attempts', '=', found.attempts);
        if (found.status === 'running' && found.attempts >= maxAttempts) {
          await mine.set({ status: 'failed', error: `interrupted ${found.attempts} times`, updated_at: now }).execute();
          continue;
        }
        await tx.selectFrom('apps').select('id').where('id', '=', found.app_id).forUpdate().execute();
        const { n } = await tx
          .selectFrom('chat_exports')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('app_id', '=', found.app_id)
          .where('status', '=', 'running')
          .where('lease_until', '>=', now)
          .executeTakeFirstOrThrow();
        if (Number(n) >= perApp) continue;
        const claimed = await mine
          .set((eb) => ({ status: 'running', count: 0, lease_until: now + leaseMs, attempts: eb('attempts', '+', 1), updated_at: now }))
          .returningAll()
          .executeTakeFirst();
        if (claimed) return numeric(claimed);
      }
      return undefined;
    });
  }

  /** Records progress and renews the lease; false when the job is no longer this claim's. */
  async progress(job: ExportRow, count: number, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.held(job).set({ count, lease_until: now + leaseMs, updated_at: now }).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Done: the file is complete, its URL works until `expiresAt`. */
  async finish(job: ExportRow, count: number, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.held(job).set({ status: 'done', count, lease_until: 0, expires_at: expiresAt, updated_at: now }).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async fail(job: ExportRow, error: string, now: number): Promise<void> {
    await this.held(job).set({ status: 'failed', error, lease_until: 0, updated_at: now }).execute();
  }

  /** Hands an interrupted job (a graceful stop) back to the queue, without counting the attempt. */
  async release(job: ExportRow, now: number): Promise<void> {
    await this.held(job)
      .set((eb) => ({ status: 'queued', count: 0, lease_until: 0, attempts: eb('attempts', '-', 1), updated_at: now }))
      .execute();
  }

  /** Marks the done jobs whose URL expired by `now` as expired. */
  async expire(now: number): Promise<void> {
    await this.db.updateTable('chat_exports').set({ status: 'expired', updated_at: now }).where('status', '=', 'done').where('expires_at', '<=', now).execute();
  }

  private held(job: ExportRow) {
    return this.db.updateTable('chat_exports').where('app_id', '=', job.app_id).where('export_id', '=', job.export_id).where('status', '=', 'running').where('attempts', '=', job.attempts);
  }

  /** One page of messages after the (channel, message) key, in key order, with their senders' profiles. */
  async messagesAfter(appId: string, range: ExportRange, after: { channelId: string; messageId: number } | undefined, limit: number): Promise<MessageWithUser[]> {
    let q = this.db
      .selectFrom('chat_messages as m')
      .leftJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'm.app_id').onRef('u.user_id', '=', 'm.user_id'))
      .selectAll('m')
      .select(USER_COLUMNS)
      .where('m.app_id', '=', appId);
    if (range.channelId !== null) q = q.where('m.channel_id', '=', range.channelId);
    if (range.from !== null) q = q.where('m.created_at', '>=', range.from);
    if (range.to !== null) q = q.where('m.created_at', '<', range.to);
    if (after !== undefined) {
      // Comparisons that seek the primary key: by id within one channel, else a row value (an OR of
      // the parts, or the row value after an equality on the channel, would scan from the start).
      q =
        range.channelId !== null
          ? q.where('m.message_id', '>', after.messageId)
          : q.where((eb) => eb(eb.refTuple('m.channel_id', 'm.message_id'), '>', eb.tuple(after.channelId, after.messageId)));
    }
    const rows = await q.orderBy('m.channel_id').orderBy('m.message_id').limit(limit).execute();
    return rows.map((r) => ({ ...r, message_id: Number(r.message_id) }));
  }

  /** One page of channels after `after`, in id order. */
  channelsAfter(appId: string, range: ExportRange, after: string | undefined, limit: number): Promise<ChannelRow[]> {
    let q = this.db.selectFrom('chat_channels').selectAll().where('app_id', '=', appId);
    if (range.from !== null) q = q.where('created_at', '>=', range.from);
    if (range.to !== null) q = q.where('created_at', '<', range.to);
    if (after !== undefined) q = q.where('channel_id', '>', after);
    return q.orderBy('channel_id').limit(limit).execute();
  }

  /** One page of users after `after`, in id order. */
  usersAfter(appId: string, range: ExportRange, after: string | undefined, limit: number): Promise<UserRow[]> {
    let q = this.db.selectFrom('chat_users').selectAll().where('app_id', '=', appId);
    if (range.from !== null) q = q.where('created_at', '>=', range.from);
    if (range.to !== null) q = q.where('created_at', '<', range.to);
    if (after !== undefined) q = q.where('user_id', '>', after);
    return q.orderBy('user_id').limit(limit).execute();
  }
}
