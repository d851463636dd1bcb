/** Kysely queries of push tokens (migration 0015_push_tokens): a user's devices, and a message's possible recipients. */
import type { Kysely, Selectable } from 'kysely';
import type { PushRecipient, PushTokenType } from '@parley/protocol';
import { paddedList, PreparedQueries } from '../storage/prepared-queries.ts';
import type { ChatPushTokenTable, Database } from '../storage/schema.ts';

export type PushTokenRow = Selectable<ChatPushTokenTable>;
/** A message's channel and sender: whose members could be pushed to (candidatesOf). */
export interface PushSource {
  channelId: string;
  senderId: string;
}

/** candidatesOf()'s key of a channel and sender. */
export const candidateKey = (channelId: string, senderId: string): string => `${channelId}\n${senderId}`;

/**
 * The tokens a message of `senderId` in the channel could be pushed to: those of its members but the
 * sender and those who blocked it: the outbox's choice to write a send's push row at all
 * (outbox.repository.ts); the dispatcher's recipients (candidatesOf) apply the same rule to reads
 * made for many messages at once.
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
  /** candidatesOf(), run for each pass and page of push rows the dispatcher sends. */
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
   * For each (channel, sender) of `of`, the channel's members with at least one token, but not that
   * sender and not those who blocked it, with their tokens — pushableTokens' rule, applied here to the
   * answers of two reads for all of `of` (the dispatcher's push rows of a pass over many channels):
   * the channels' members with their tokens, and which of those members blocked which of the senders.
   * A union of a pushableTokens per (channel, sender) was one statement too, but PostgreSQL planned
   * its hundreds of parts at every run. Keyed by candidateKey(channel, sender); who of them is
   * connected is the caller's question.
   */
  async candidatesOf(appId: string, of: readonly PushSource[]): Promise<Map<string, PushRecipient[]>> {
    const out = new Map<string, PushRecipient[]>(of.map((p) => [candidateKey(p.channelId, p.senderId), []]));
    if (of.length === 0) return out;
    const channels = paddedList([...new Set(of.map((p) => p.channelId))]);
    const senders = paddedList([...new Set(of.map((p) => p.senderId))]);
    const holders = await this.prepared.run(this.db, `holders ${channels.length}`, [appId, ...channels], ([app, ...list]) =>
      // The CROSS JOIN fixes SQLite's join order, as in pushableTokens.
      this.db
        .selectFrom('chat_members as m')
        .crossJoin('chat_push_tokens as t')
        .whereRef('t.app_id', '=', 'm.app_id')
        .whereRef('t.user_id', '=', 'm.user_id')
        .where('m.app_id', '=', app as string)
        .where('m.channel_id', 'in', list as string[])
        .select(['m.channel_id as channel_id', 'm.user_id as user_id', 't.type as type', 't.token as token'])
        .orderBy('m.channel_id')
        .orderBy('m.user_id')
        .orderBy('t.created_at')
        .orderBy('t.token'),
    );
    const blocks = await this.prepared.run(this.db, `blockers ${channels.length} ${senders.length}`, [appId, ...channels, ...senders], ([app, ...lists]) =>
      this.db
        .selectFrom('chat_blocks as bl')
        .select(['bl.user_id as user_id', 'bl.blocked_id as blocked_id'])
        .where('bl.app_id', '=', app as string)
        .where('bl.blocked_id', 'in', lists.slice(channels.length) as string[])
        .where((eb) => eb.exists(eb.selectFrom('chat_members as m').select('m.user_id').whereRef('m.app_id', '=', 'bl.app_id').whereRef('m.user_id', '=', 'bl.user_id').where('m.channel_id', 'in', lists.slice(0, channels.length) as string[]))),
    );
    const blocked = new Set(blocks.map((b) => `${b.user_id}\n${b.blocked_id}`));
    const members = new Map<string, PushRecipient[]>();
    for (const r of holders) {
      const list = members.get(r.channel_id) ?? members.set(r.channel_id, []).get(r.channel_id)!;
      const device = { type: r.type as PushTokenType, token: r.token };
      const last = list.at(-1);
      if (last?.user_id === r.user_id) last.tokens.push(device);
      else list.push({ user_id: r.user_id, tokens: [device] });
    }
    for (const { channelId, senderId } of of) {
      const recipients = (members.get(channelId) ?? []).filter((m) => m.user_id !== senderId && !blocked.has(`${m.user_id}\n${senderId}`));
      out.set(candidateKey(channelId, senderId), recipients);
    }
    return out;
  }
}
