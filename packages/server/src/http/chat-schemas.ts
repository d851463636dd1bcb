/** TypeBox schemas shared by the chat routes. Field rules beyond types live in chat/rules.ts. */
import { Type } from '@sinclair/typebox';

export const Meta = Type.Record(Type.String(), Type.String(), { description: 'at most 10 pairs; key ≤ 100 B, value ≤ 200 B' });
export const MetaKeys = Type.Object({ keys: Type.Optional(Type.Array(Type.String())) });
export const UserParams = Type.Object({ user_id: Type.String({ maxLength: 256 }) });
export const ChannelParams = Type.Object({ channel_id: Type.String({ maxLength: 256 }) });
export const MessageParams = Type.Object({ channel_id: Type.String({ maxLength: 256 }), message_id: Type.Integer({ minimum: 1 }) });
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
});
