/**
 * Chat wire types the SDK speaks (DESIGN.md, "Chat contract"). They mirror packages/protocol's chat
 * contract field for field; once that module is committed this file re-exports it instead.
 */
export type Meta = Record<string, string>;

export interface User {
  user_id: string;
  name: string;
  profile_url: string;
  meta: Meta;
  created_at: number;
  updated_at: number;
}

export interface FileInfo {
  type: string;
  name: string;
  url: string;
  size: number;
}

export interface Message {
  message_id: number;
  channel_id: string;
  type: 'text' | 'file';
  content?: string;
  file?: FileInfo;
  meta: Meta;
  user: User;
  created_at: number;
  updated_at: number;
}

export interface GroupChannel {
  channel_id: string;
  name: string;
  profile_url: string;
  type: 'group';
  freeze: boolean;
  total_message_count: number;
  total_file_count: number;
  members?: User[];
  managers?: User[];
  meta: Meta;
  created_at: number;
  updated_at: number;
  read_receipt?: Record<string, number>;
  delivery_receipt?: Record<string, number>;
  unread?: Record<string, number>;
  last_message?: Message | null;
}

export interface Ban {
  user_id: string;
  seconds: number;
  reason: string;
  created_at: number;
  expires_at: number;
}

export interface ChannelList {
  channels: GroupChannel[];
  next: string | null;
}

export interface MemberList {
  members: User[];
  next: string | null;
}

export interface BannedList {
  banned: Ban[];
  next: string | null;
}

/** Oldest first, whatever the mode. */
export interface MessageList {
  messages: Message[];
}

export interface ChatToken {
  token: string;
  expires_at: number;
}

export interface ChatServerEvents {
  'group:message_send': (message: Message, channel: GroupChannel) => void;
  'group:message_update': (message: Message, channel: GroupChannel) => void;
  'group:message_delete': (message: Message, channel: GroupChannel) => void;
  'group:channel_update': (channel: GroupChannel) => void;
  'group:channel_delete': (channel: GroupChannel) => void;
  'group:channel_freeze': (channel: GroupChannel) => void;
  'group:channel_unfreeze': (channel: GroupChannel) => void;
  'group:channel_join': (channel: GroupChannel, user: User) => void;
  'group:channel_leave': (channel: GroupChannel, user: User) => void;
  'group:channel_manager_create': (channel: GroupChannel, user: User) => void;
  'group:channel_manager_delete': (channel: GroupChannel, user: User) => void;
  'group:channel_ban': (channel: GroupChannel, user: User, ban: Ban) => void;
  'group:channel_unban': (channel: GroupChannel, user: User, ban: Ban) => void;
  'group:channel_message_read_event': (channel: GroupChannel) => void;
  'group:channel_message_delivered_event': (channel: GroupChannel) => void;
  user_update: (user: User) => void;
  user_delete: (user: User) => void;
}

export const CHAT_EVENT_NAMES = [
  'group:message_send',
  'group:message_update',
  'group:message_delete',
  'group:channel_update',
  'group:channel_delete',
  'group:channel_freeze',
  'group:channel_unfreeze',
  'group:channel_join',
  'group:channel_leave',
  'group:channel_manager_create',
  'group:channel_manager_delete',
  'group:channel_ban',
  'group:channel_unban',
  'group:channel_message_read_event',
  'group:channel_message_delivered_event',
  'user_update',
  'user_delete',
] as const satisfies ReadonlyArray<keyof ChatServerEvents>;
