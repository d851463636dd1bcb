/** Kysely queries of chat users. Every query is scoped by app id. */
import type { Kysely, Transaction } from 'kysely';
import { withEvents, type InTransaction } from './outbox.ts';
import type { ChatUserTable, Database } from '../storage/schema.ts';

export type UserRow = Omit<ChatUserTable, 'tokens_revoked_at'> & { tokens_revoked_at: number };
export type UserChanges = Partial<Pick<UserRow, 'name' | 'profile_url' | 'meta'>>;

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** False when the id is taken (checked by the primary key, so concurrent creations cannot both win). */
  async insert(row: UserRow): Promise<boolean> {
    const result = await this.db
      .insertInto('chat_users')
      .values(row)
      .onConflict((oc) => oc.columns(['app_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  get(appId: string, userId: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('chat_users').selectAll().where('app_id', '=', appId).where('user_id', '=', userId).executeTakeFirst();
  }

  async getMany(appId: string, userIds: readonly string[]): Promise<UserRow[]> {
    if (userIds.length === 0) return [];
    return this.db.selectFrom('chat_users').selectAll().where('app_id', '=', appId).where('user_id', 'in', [...userIds]).orderBy('user_id').execute();
  }

  /** Up to `limit` users after `after` in id order. */
  list(appId: string, after: string | undefined, limit: number): Promise<UserRow[]> {
    let q = this.db.selectFrom('chat_users').selectAll().where('app_id', '=', appId);
    if (after !== undefined) q = q.where('user_id', '>', after);
    return q.orderBy('user_id').limit(limit).execute();
  }

  /** `also` (its chat webhook event) runs in the same transaction with the user as changed. */
  async update(appId: string, userId: string, changes: UserChanges, now: number, also?: (tx: Transaction<Database>, row: UserRow) => Promise<void>): Promise<boolean> {
    const update = (db: Kysely<Database>) => db.updateTable('chat_users').set({ ...changes, updated_at: now }).where('app_id', '=', appId).where('user_id', '=', userId).returningAll().executeTakeFirst();
    const row = await withEvents(this.db, update, also && ((tx, r) => also(tx, r!)), (r) => r !== undefined);
    return row !== undefined;
  }

  /**
   * Reads the user's meta under its row lock, applies `change` (which may throw to refuse it) and stores
   * the result in the same transaction, so that concurrent merges never lose each other's keys. Answers
   * the user as stored, or undefined when there is no such user.
   */
  changeMeta(appId: string, userId: string, change: (meta: string) => string, now: number, also?: (tx: Transaction<Database>, row: UserRow) => Promise<void>): Promise<UserRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('chat_users').selectAll().where('app_id', '=', appId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      const meta = change(row.meta);
      await tx.updateTable('chat_users').set({ meta, updated_at: now }).where('app_id', '=', appId).where('user_id', '=', userId).execute();
      const changed = { ...row, meta, updated_at: now };
      await also?.(tx, changed);
      return changed;
    });
  }

  async revokeTokens(appId: string, userId: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('chat_users')
      .set({ tokens_revoked_at: at })
      .where('app_id', '=', appId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Users sharing at least one channel with `userId` (not including them). */
  async coMembers(appId: string, userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('chat_members as mine')
      .innerJoin('chat_members as other', (j) => j.onRef('other.app_id', '=', 'mine.app_id').onRef('other.channel_id', '=', 'mine.channel_id'))
      .select('other.user_id')
      .distinct()
      .where('mine.app_id', '=', appId)
      .where('mine.user_id', '=', userId)
      .where('other.user_id', '!=', userId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** Removes the user with its memberships, manager roles, bans and push tokens; its messages stay. */
  async delete(appId: string, userId: string, also?: InTransaction): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      for (const table of ['chat_members', 'chat_managers', 'chat_bans', 'chat_push_tokens'] as const) {
        await tx.deleteFrom(table).where('app_id', '=', appId).where('user_id', '=', userId).execute();
      }
      const result = await tx.deleteFrom('chat_users').where('app_id', '=', appId).where('user_id', '=', userId).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await also?.(tx);
      return deleted;
    });
  }
}
