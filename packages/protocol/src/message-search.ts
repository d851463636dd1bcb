/**
 * Message search (DESIGN.md, "Chat beyond the seed", Search): substring matching over the messages of
 * the caller's channels (client API) or of the whole app (server API), newest first, each hit with its
 * channel.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ChatChannel, ChatMessage } from './chat-schemas.ts';

export const SEARCH_QUERY_MAX = 100;

const Next = Type.Union([Type.String(), Type.Null()], { description: 'opaque cursor of the following page; null on the last one' });

/** One hit: the message as listed everywhere else, with the channel it was sent in. */
export const ChatSearchHit = Type.Object({ ...ChatMessage.properties, channel: ChatChannel });
export type ChatSearchHit = Static<typeof ChatSearchHit>;

export const ChatSearchResult = Type.Object({ messages: Type.Array(ChatSearchHit, { description: 'newest first' }), next: Next });
export type ChatSearchResult = Static<typeof ChatSearchResult>;

const searchFields = {
  query: Type.String({
    description: `1-${SEARCH_QUERY_MAX} characters, matched as a substring of the text (ignoring case of English letters; Korean words of any length, 안녕 included)`,
  }),
  channel_id: Type.Optional(Type.String({ description: 'only this channel' })),
  limit: Type.Optional(Type.Integer({ description: '1-100, default 20' })),
  next: Type.Optional(Type.String({ description: 'cursor from the previous page' })),
};

/** `GET /v1/sdk/messages/search`: the caller's channels (member of, not banned), leaving out users it blocked. */
export const SdkMessageSearchQuery = Type.Object(searchFields);
export type MessageSearchParams = Static<typeof SdkMessageSearchQuery>;

/** `GET /v1/messages/search`: any channel of the app, optionally one sender's messages. */
export const MessageSearchQuery = Type.Object({ ...searchFields, user_id: Type.Optional(Type.String({ description: "only this sender's messages" })) });
export type PlatformMessageSearchParams = Static<typeof MessageSearchQuery>;
