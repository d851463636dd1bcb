/**
 * Message search (DESIGN.md, Search): `query` as a substring of message texts, newest first, each hit
 * with its channel. A user caller searches the channels it is a member of (one of them with
 * `channel_id`, which needs the membership a message list needs), without the senders it blocked; the
 * app's backend searches every channel of the app, optionally one sender's messages. Deleted messages
 * are gone from the table and its index alike.
 */
import { SEARCH_QUERY_MAX, type ChatSearchResult, type PlatformMessageSearchParams } from '@parley/protocol';
import { appIdOf, userOf, type Caller } from './access.ts';
import { access, requireChannel, type ChatContext } from './chat-context.ts';
import { invalid } from './errors.ts';
import type { MessageSearchRepository, SearchCursor } from './message-search.repository.ts';
import { toChannel, toMessage } from './presenter.ts';
import { checkChannelId, checkUserId, decodeCursor, encodeCursor, pageLimit } from './rules.ts';

const badCursor = () => invalid('next must be a cursor returned by a previous page');

/** `{created_at}:{message_id}:{channel_id}`, opaque to clients (rules.ts cursors). */
const cursorOf = (c: SearchCursor): string => encodeCursor(`${c.createdAt}:${c.messageId}:${c.channelId}`);

function parseCursor(next: string | undefined): SearchCursor | undefined {
  const key = decodeCursor(next);
  if (key === undefined) return undefined;
  const m = /^(\d{1,16}):(\d{1,16}):(.+)$/.exec(key);
  if (!m) throw badCursor();
  return { createdAt: Number(m[1]), messageId: Number(m[2]), channelId: checkChannelId(m[3]!, 'next') };
}

function checkQuery(query: unknown): string {
  const n = typeof query === 'string' ? [...query].length : 0;
  if (typeof query !== 'string' || n < 1 || n > SEARCH_QUERY_MAX || query.includes('\u0000')) throw invalid(`query must be 1-${SEARCH_QUERY_MAX} characters`);
  return query;
}

export class MessageSearchService {
  constructor(
    private readonly ctx: ChatContext,
    private readonly repo: MessageSearchRepository,
  ) {}

  /**
   * @example await search.search({ appId: 'demo', userId: 'alice' }, { query: '안녕' }) // { messages: [{ …, channel: {…} }], next: null }
   */
  async search(caller: Caller, params: PlatformMessageSearchParams): Promise<ChatSearchResult> {
    const appId = appIdOf(caller);
    const viewer = userOf(caller);
    if (params.channel_id !== undefined) {
      // A user learns nothing of a channel it may not read (3001 on a private one), not even a bad query.
      if (viewer !== undefined) await access(this.ctx, caller, params.channel_id, 'member');
      else await requireChannel(this.ctx, appId, checkChannelId(params.channel_id));
    }
    const query = checkQuery(params.query);
    const limit = pageLimit(params.limit);
    const senderId = params.user_id === undefined ? undefined : checkUserId(params.user_id);
    const after = parseCursor(params.next);
    const rows = await this.repo.search(appId, { query, channelId: params.channel_id, senderId, viewer, after }, limit + 1);
    const hits = rows.slice(0, limit);
    const [channels, fileUrl] = await Promise.all([this.repo.channels(appId, [...new Set(hits.map((h) => h.channel_id))]), hits.length > 0 ? this.ctx.fileUrls.signer(appId) : undefined]);
    const messages = hits.flatMap((row) => {
      const channel = channels.get(row.channel_id);
      // A channel deleted between the two reads takes its messages with it.
      return channel && fileUrl ? [{ ...toMessage(row, fileUrl), channel: toChannel(channel) }] : [];
    });
    const last = hits[hits.length - 1];
    const next = rows.length > limit && last ? cursorOf({ createdAt: Number(last.created_at), channelId: last.channel_id, messageId: last.message_id }) : null;
    return { messages, next };
  }
}
