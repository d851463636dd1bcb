/**
 * One example per operation of the OpenAPI document, typed by the protocol's static types so that an
 * example that no longer fits its schema fails to compile.
 */
import type { ApplicationSettings, ApplicationSettingsChanges, ChatBan, ChatChannel, ChatMessage, ChatMute, ChatPushToken, ChatToken, ChatUser } from '@parley/protocol';

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
} as const satisfies ChatChannel;
export const exampleChannel: ChatChannel = { ...bare, members: [exampleUser, exampleBob] };
export const exampleChannelReceipts: ChatChannel = {
  ...bare,
  read_receipt: { alice: T + 1000, bob: 0 },
  delivery_receipt: { alice: T + 1000, bob: T + 1000 },
  unread: { alice: 0, bob: 1 },
};

export const exampleMessage: ChatMessage = { message_id: 1, channel_id: 'alice_bob', type: 'text', content: 'hello', meta: {}, user: exampleUser, created_at: T + 1000, updated_at: T + 1000 };
export const exampleChannelWithLast: ChatChannel = { ...bare, last_message: exampleMessage };

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
