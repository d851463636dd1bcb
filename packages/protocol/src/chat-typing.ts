/**
 * Typing indicators and the GitpleLive SDK 1.1 additions (DESIGN.md, "Chat beyond the seed"): the
 * typing request (REST body and socket event), its answer, the timing rules, and the managers page.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CHANNEL_ID_RULE, ChatUser } from './chat-schemas.ts';

/** How typing states behave: they end by themselves, and each user and channel causes few events. */
export const CHAT_TYPING = {
  /** A typing state ends this long after its last refresh (the members are told). */
  ttlMs: 5_000,
  /** At most one `group:channel_typing` per user and channel within this window. */
  intervalMs: 1_000,
  /** The client → server socket event of a chat connection. */
  socketEvent: 'typing',
} as const;

/** `PUT /v1/sdk/group/channels/{id}/typing`: starts (or refreshes) or ends the caller's typing state. */
export const TypingBody = Type.Object({ typing: Type.Boolean({ description: 'true starts or refreshes (it ends by itself 5 s after the last refresh), false ends' }) });
export type TypingBody = Static<typeof TypingBody>;

/** The socket event `typing` a chat connection sends: the same as the REST call. */
export const ChatTypingEvent = Type.Object({
  channel_id: Type.String({ description: CHANNEL_ID_RULE }),
  typing: Type.Boolean(),
});
export type ChatTypingEvent = Static<typeof ChatTypingEvent>;

/** The members typing in a channel now: the second argument of `group:channel_typing`. */
export const ChatTypingUserIds = Type.Array(Type.String(), { description: 'members typing now, in user id order' });
export type ChatTypingUserIds = Static<typeof ChatTypingUserIds>;

/** Who is typing in a channel now (the REST answer). */
export const ChatTypingState = Type.Object({ channel_id: Type.String(), typing_user_ids: ChatTypingUserIds });
export type ChatTypingState = Static<typeof ChatTypingState>;

/** What a `typing` socket event is answered with when the client asks for an acknowledgement. */
export const ChatTypingAck = Type.Union([
  Type.Object({ ok: Type.Literal(true) }),
  Type.Object({ error: Type.Object({ code: Type.Integer(), message: Type.String() }) }),
]);
export type ChatTypingAck = Static<typeof ChatTypingAck>;

/** `GET …/managers`: a channel's managers, paged like its members. */
export const ChatManagerList = Type.Object({ managers: Type.Array(ChatUser), next: Type.Union([Type.String(), Type.Null()], { description: 'opaque cursor of the following page; null on the last one' }) });
export type ChatManagerList = Static<typeof ChatManagerList>;
