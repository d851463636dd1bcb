/**
 * One example per operation of the OpenAPI document, typed by the protocol's static types so that an
 * example that no longer fits its schema fails to compile.
 */
import type { ApplicationSettings, ApplicationSettingsChanges, ChatBan, ChatChannel, ChatMessage, ChatMute, ChatPushToken, ChatReactionEvent, ChatReadChannels, ChatToken, ChatUnreadCount, ChatUser } from '@parley/protocol';

const T = 1_767_225_600_000;

export const exampleUser: ChatUser = { user_id: 'alice', name: 'Alice', profile_url: '', meta: { team: 'blue' }, created_at: T, updated_at: T };
export const exampleBob: ChatUser = { ...exampleUser, user_id: 'bob', name: 'Bob', meta: {} };

const bare = {
  channel_id: 'alice_bob',
  name: 'Alice & Bob',
  profile_url: '',
  type: 'group',
  is_public: false,
  freeze: false,
  total_message_count: 1,
  total_file_count: 0,
  meta: {},
  created_at: T,
  updated_at: T,
  pinned_message_ids: [] as number[],
} as const satisfies ChatChannel;
export const exampleChannel: ChatChannel = { ...bare, members: [exampleUser, exampleBob] };
export const exampleChannelReceipts: ChatChannel = {
  ...bare,
  read_receipt: { alice: T + 1000, bob: 0 },
  delivery_receipt: { alice: T + 1000, bob: T + 1000 },
  unread: { alice: 0, bob: 1 },
};

export const exampleMessage: ChatMessage = {
  message_id: 1,
  channel_id: 'alice_bob',
  type: 'text',
  content: 'hello',
  meta: {},
  user: exampleUser,
  created_at: T + 1000,
  updated_at: T + 1000,
  edited_at: null,
  reactions: [],
};
export const exampleEditedMessage: ChatMessage = { ...exampleMessage, content: 'hello, Bob', updated_at: T + 5000, edited_at: T + 5000 };
export const exampleReactedMessage: ChatMessage = { ...exampleMessage, reactions: [{ key: '👍', user_ids: ['bob'], updated_at: T + 6000 }] };
export const exampleReaction: ChatReactionEvent = { key: '👍', user_id: 'bob', operation: 'add' };
export const examplePinnedChannel: ChatChannel = { ...exampleChannel, pinned_message_ids: [1], updated_at: T + 7000 };
export const exampleChannelWithLast: ChatChannel = { ...bare, last_message: exampleMessage };
/** A reply mentioning its thread's starter, and that starter as the reply left its thread. */
export const exampleReply: ChatMessage = { ...exampleMessage, message_id: 2, content: 'agreed, @alice', user: exampleBob, mentioned_user_ids: ['alice'], parent_message_id: 1, created_at: T + 2000, updated_at: T + 2000 };
export const exampleThreadParent: ChatMessage = { ...exampleMessage, thread_info: { reply_count: 1, last_replied_at: T + 2000, reply_user_ids: ['bob'] } };
export const exampleUnreadCount: ChatUnreadCount = { unread_message_count: 3, unread_channel_count: 2, unread_mention_count: 1 };
export const exampleReadChannels: ChatReadChannels = { channel_ids: ['alice_bob', 'lobby'] };

export const exampleBan: ChatBan = { user_id: 'mallory', seconds: 600, reason: 'spam', created_at: T, expires_at: T + 600_000 };
export const exampleMute: ChatMute = { user_id: 'mallory', seconds: 600, description: 'cool down', created_at: T, expires_at: T + 600_000 };
export const exampleToken: ChatToken = { token: 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiYWxpY2UifQ.c2lnbmF0dXJl', expires_at: T + 7 * 86_400_000 };
export const exampleNext = 'Ym9i';

export const exampleChatSettings: ApplicationSettings = {
  app_id: 'demo',
  word_filter: { words: ['darn'], mode: 'mask' },
  chat_webhook_url: 'https://backend.example.com/parley/chat-webhook',
  chat_webhook_events: ['group:message_send', 'push'],
  chat_webhook_secret: 'kq3V7mZ1r0XnY8pT2bW5sA9dF4gH6jL0cE1uI3oP7yQ',
  updated_at: T,
};
export const exampleChatSettingsChanges: ApplicationSettingsChanges = {
  word_filter: exampleChatSettings.word_filter,
  chat_webhook_url: exampleChatSettings.chat_webhook_url,
  chat_webhook_events: exampleChatSettings.chat_webhook_events,
};

export const examplePushToken: ChatPushToken = { type: 'fcm', token: 'fcm-device-token-of-alice-phone', created_at: T };
