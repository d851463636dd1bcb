/**
 * The query of message search: one statement for both engines, whose text test is the engine's hook
 * (text-search.ts), newest first by (created_at, channel_id, message_id) so that a page's last hit is
 * an exact keyset cursor: no hit is repeated or skipped across pages, whatever is sent meanwhile.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { ChannelRow } from './channel.repository.ts';
import { USER_COLUMNS, type MessageWithUser } from './message.repository.ts';
import type { SubstringMatch } from './text-search.ts';

/** Where the previous page stopped: its last hit's key. */
export interface SearchCursor {
  createdAt: number;
  channelId: string;
  messageId: number;
}

export interface SearchFilter {
  query: string;
  channelId?: string;
  /** Only this sender's messages (server API). */
  senderId?: string;
  /**
   * A user caller: only the channels it is a member of (a ban ends the membership in the ban's own
   * transaction, so a banned user's channel is never among them), without the senders it blocked.
   */
  viewer?: string;
  after?: SearchCursor;
}

export class MessageSearchRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly matches: SubstringMatch,
  ) {}

  /** Up to `limit` hits, newest first. */
  async search(appId: string, filter: SearchFilter, limit: number): Promise<MessageWithUser[]> {
    let q = this.db
      .selectFrom('chat_messages as m')
      .leftJoin('chat_users as u', (j) => j.onRef('u.app_id', '=', 'm.app_id').onRef('u.user_id', '=', 'm.user_id'))
      .selectAll('m')
      .select(USER_COLUMNS)
      .where('m.app_id', '=', appId)
      .where(this.matches('m', filter.query));
    if (filter.channelId !== undefined) q = q.where('m.channel_id', '=', filter.channelId);
    if (filter.senderId !== undefined) q = q.where('m.user_id', '=', filter.senderId);
    const viewer = filter.viewer;
    if (viewer !== undefined) {
      q = q
        .where('m.channel_id', 'in', (eb) => eb.selectFrom('chat_members as me').select('me.channel_id').where('me.app_id', '=', appId).where('me.user_id', '=', viewer))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('chat_blocks as bl').select('bl.blocked_id').where('bl.app_id', '=', appId).where('bl.user_id', '=', viewer).whereRef('bl.blocked_id', '=', 'm.user_id'))));
    }
    const after = filter.after;
    if (after !== undefined) {
      q = q.where((eb) => eb(eb.refTuple('m.created_at', 'm.channel_id', 'm.message_id'), '<', eb.tuple(after.createdAt, after.channelId, after.messageId)));
    }
    const rows = await q.orderBy('m.created_at', 'desc').orderBy('m.channel_id', 'desc').orderBy('m.message_id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, message_id: Number(r.message_id) }));
  }

  /** The channels of a page's hits, by id. */
  async channels(appId: string, channelIds: readonly string[]): Promise<Map<string, ChannelRow>> {
    if (channelIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('chat_channels').selectAll().where('app_id', '=', appId).where('channel_id', 'in', [...channelIds]).execute();
    return new Map(rows.map((r) => [r.channel_id, r]));
  }
}
