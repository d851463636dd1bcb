/** Kysely queries of push tokens (migration 0015_push_tokens): a user's devices, and a message's possible recipients. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { PushRecipient, PushTokenType } from '@parley/protocol';
import { PreparedQueries } from '../storage/prepared-queries.ts';
import type { ChatPushTokenTable, Database } from '../storage/schema.ts';

export type PushTokenRow = Selectable<ChatPushTokenTable>;

/**
 * The tokens a message of `senderId` in the channel could be pushed to: those of its members but the
 * sender and those who blocked it. One definition for the dispatcher's recipients (candidates) and the
 * outbox's choice to write a send's push row at all (outbox.repository.ts).
 */
export function pushableTokens(db: Kysely<Database>, appId: string, channelId: string, senderId: string) {
  // From the channel's members to their tokens, which SQLite's planner left to itself reads the other
  // way (the app's tokens, each looked up in the channel: every token of the app, for each message). A
  // CROSS JOIN is SQLite's way to fix the order (its left side is the outer loop); PostgreSQL plans it
  // as the inner join it is.
  return db
    .selectFrom('chat_members as m')
    .crossJoin('chat_push_tokens as t')
    .whereRef('t.app_id', '=', 'm.app_id')
    .whereRef('t.user_id', '=', 'm.user_id')
    .where('m.app_id', '=', appId)
    .where('m.channel_id', '=', channelId)
    .where('m.user_id', '!=', senderId)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('chat_blocks as bl').select('bl.user_id').whereRef('bl.app_id', '=', 'm.app_id').whereRef('bl.user_id', '=', 'm.user_id').where('bl.blocked_id', '=', senderId))));
}

export class PushTokenRepository {
  /** candidatesOf(), run for each page of push rows the dispatcher sends. */
  private readonly prepared = new PreparedQueries();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Registers the token (again: its type is updated); answers false when the user has `max` others
   * already. A device belongs to whoever registered it last: another user's registration of the same
   * token is dropped, so one device is never notified for two users (a sign-out without unregistering).
   */
  add(row: PushTokenRow, max: number): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const others = await tx
        .selectFrom('chat_push_tokens')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('app_id', '=', row.app_id)
        .where('user_id', '=', row.user_id)
        .where('token', '!=', row.token)
        .executeTakeFirst();
      if (Number(others?.n ?? 0) >= max) return false;
      await tx.deleteFrom('chat_push_tokens').where('app_id', '=', row.app_id).where('token', '=', row.token).where('user_id', '!=', row.user_id).execute();
      await tx
        .insertInto('chat_push_tokens')
        .values(row)
        .onConflict((oc) => oc.columns(['app_id', 'user_id', 'token']).doUpdateSet({ type: row.type, created_at: row.created_at }))
        .execute();
      return true;
    });
  }

  /** False when the user had no such token. */
  async remove(appId: string, userId: string, token: string): Promise<boolean> {
    const result = await this.db.deleteFrom('chat_push_tokens').where('app_id', '=', appId).where('user_id', '=', userId).where('token', '=', token).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  list(appId: string, userId: string): Promise<PushTokenRow[]> {
    return this.db.selectFrom('chat_push_tokens').selectAll().where('app_id', '=', appId).where('user_id', '=', userId).orderBy('created_at').orderBy('token').execute();
  }

  /**
   * For each of `senders`, the channel's members with at least one token, but not that sender and not
   * those who blocked it, with their tokens: one query for all of them (a dispatcher's page of a
   * channel's push rows), each sender's part the same pushableTokens as the outbox's condition. Who of
   * them is connected is the caller's question.
   */
  async candidatesOf(appId: string, channelId: string, senders: readonly string[]): Promise<Map<string, PushRecipient[]>> {
    const out = new Map<string, PushRecipient[]>(senders.map((s) => [s, []]));
    if (senders.length === 0) return out;
    const rows = await this.prepared.run(this.db, `candidates ${senders.length}`, [appId, channelId, ...senders], ([app, channel, ...of]) => {
      const parts = of.map((sender) =>
        pushableTokens(this.db, app as string, channel as string, sender as string).select([
          // Typed: a UNION's rows are typed by themselves (PostgreSQL).
          sql<string>`cast(${sender} as text)`.as('sender'),
          // Named: a UNION's ORDER BY names its result columns (SQLite matches no unnamed one).
          'm.user_id as user_id',
          't.type as type',
          't.token as token',
          't.created_at as created_at',
        ]),
      );
      return parts
        .slice(1)
        .reduce((all, one) => all.unionAll(one), parts[0]!)
        .orderBy('sender')
        .orderBy('user_id')
        .orderBy('created_at')
        .orderBy('token');
    });
    for (const r of rows) {
      const list = out.get(r.sender)!;
      const device = { type: r.type as PushTokenType, token: r.token };
      const last = list.at(-1);
      if (last?.user_id === r.user_id) last.tokens.push(device);
      else list.push({ user_id: r.user_id, tokens: [device] });
    }
    return out;
  }
}
