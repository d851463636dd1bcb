/** TypeBox schemas shared by the chat routes. Field rules beyond types live in chat/rules.ts. */
import { Type, type Static } from '@sinclair/typebox';
import type { ChannelShow } from '../chat/chat-context.ts';

export const Meta = Type.Record(Type.String(), Type.String(), { description: 'at most 10 pairs; key ≤ 100 B, value ≤ 200 B' });
export const MetaKeys = Type.Object({ keys: Type.Optional(Type.Array(Type.String())) });
export const UserParams = Type.Object({ user_id: Type.String({ maxLength: 256 }) });
export const ChannelParams = Type.Object({ channel_id: Type.String({ maxLength: 256 }) });
export const MessageParams = Type.Object({ channel_id: Type.String({ maxLength: 256 }), message_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export const BanParams = Type.Object({ channel_id: Type.String({ maxLength: 256 }), user_id: Type.String({ maxLength: 256 }) });
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ description: '1-100, default 20' })),
  next: Type.Optional(Type.String({ description: 'cursor from the previous page' })),
});
export const ChannelListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ description: '1-100, default 20' })),
  next: Type.Optional(Type.String()),
  name: Type.Optional(Type.String({ description: 'substring of the channel name (case-sensitive)' })),
  include_members: Type.Optional(Type.Boolean()),
  show_last_message: Type.Optional(Type.Boolean()),
  show_unread: Type.Optional(Type.Boolean({ description: "each member's unread count, as a channel's show_unread (client API: only in the caller's own channels)" })),
  public: Type.Optional(Type.Boolean({ description: 'true: public channels only; false: private ones only' })),
});
export const ShowQuery = Type.Object({
  show_members: Type.Optional(Type.Boolean()),
  show_managers: Type.Optional(Type.Boolean()),
  show_read_receipt: Type.Optional(Type.Boolean()),
  show_delivery_receipt: Type.Optional(Type.Boolean()),
  show_unread: Type.Optional(Type.Boolean()),
  show_last_message: Type.Optional(Type.Boolean()),
});
export const showOf = (q: Static<typeof ShowQuery>): ChannelShow => ({
  members: q.show_members,
  managers: q.show_managers,
  readReceipt: q.show_read_receipt,
  deliveryReceipt: q.show_delivery_receipt,
  unread: q.show_unread,
  lastMessage: q.show_last_message,
});
export const MessageListQuery = Type.Object({
  // Bounded so that no id reaches the database beyond its 64-bit integers (PostgreSQL refuses those: a 500).
  base_message_id: Type.Optional(Type.Integer({ maximum: Number.MAX_SAFE_INTEGER, description: 'exclusive; prev: below it (default newest), next: above it (default 0)' })),
  mode: Type.Optional(Type.Union([Type.Literal('prev'), Type.Literal('next')], { default: 'prev' })),
  limit: Type.Optional(Type.Integer({ description: '1-100, default 20' })),
  type: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('file')])),
  content: Type.Optional(Type.String({ description: 'substring of the text (case-sensitive)' })),
});
export const FreezeBody = Type.Object({ freeze: Type.Boolean() });
export const ManagerBody = Type.Object({ manager: Type.String() });
