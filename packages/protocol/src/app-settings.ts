/**
 * An app's chat settings (DESIGN.md, "Chat beyond the seed": word filter, chat webhooks), read and set
 * through the server API's `GET|PUT /v1/application/settings`. One definition of the shapes, the limits
 * and the event names a chat webhook may carry.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CHAT_EVENT_NAMES, type ChatEventName } from './chat.ts';

export const WORD_FILTER_MODES = ['block', 'mask'] as const;
export type WordFilterMode = (typeof WORD_FILTER_MODES)[number];

export const APP_SETTINGS_LIMITS = {
  /** Words of one app's filter, and the longest word. */
  wordsMax: 1000,
  wordMaxChars: 64,
  webhookUrlMax: 2048,
} as const;

/** Chat events that are never stored, so never sent through the webhooks' durable outbox either. */
type EphemeralChatEvent = 'group:channel_typing';
const isStoredEvent = (name: ChatEventName): name is Exclude<ChatEventName, EphemeralChatEvent> => name !== 'group:channel_typing';

/**
 * Events a chat webhook can be sent for: every chat event but typing, plus `push` (the push hand-off:
 * members with no live connection, DESIGN.md "Push hand-off").
 */
export const CHAT_WEBHOOK_EVENTS = [...CHAT_EVENT_NAMES.filter(isStoredEvent), 'push' as const];
export type ChatWebhookEvent = (typeof CHAT_WEBHOOK_EVENTS)[number];

const L = APP_SETTINGS_LIMITS;
const eventName = Type.Union(CHAT_WEBHOOK_EVENTS.map((name) => Type.Literal(name)));

export const WordFilter = Type.Object({
  words: Type.Array(Type.String(), {
    description: `matched case-insensitively as substrings of a message's text (content and file caption); at most ${L.wordsMax} words of 1-${L.wordMaxChars} characters`,
  }),
  mode: Type.Union(
    WORD_FILTER_MODES.map((m) => Type.Literal(m)),
    { description: '`block`: a message containing a word is refused (400 / 1020); `mask`: each occurrence is replaced by `*`, one per character' },
  ),
});
export type WordFilter = Static<typeof WordFilter>;

export const ApplicationSettings = Type.Object({
  app_id: Type.String(),
  word_filter: WordFilter,
  chat_webhook_url: Type.Union([Type.String(), Type.Null()], { description: 'where chat webhooks are POSTed; null: none are sent' }),
  chat_webhook_events: Type.Array(eventName, { description: 'the events sent to chat_webhook_url' }),
  chat_webhook_secret: Type.String({
    description: 'HMAC-SHA256 key of the `X-Parley-Signature` header: `sha256=<hex HMAC(secret, timestamp + "." + body)>`',
  }),
  updated_at: Type.Integer({ description: 'unix ms' }),
});
export type ApplicationSettings = Static<typeof ApplicationSettings>;

export const ApplicationSettingsBody = Type.Object(
  {
    word_filter: Type.Optional(WordFilter),
    chat_webhook_url: Type.Optional(Type.Union([Type.String({ maxLength: L.webhookUrlMax }), Type.Null()], { description: 'http(s) URL; null or "" stops chat webhooks' })),
    chat_webhook_events: Type.Optional(Type.Array(eventName, { maxItems: CHAT_WEBHOOK_EVENTS.length * 2 })),
    rotate_chat_webhook_secret: Type.Optional(Type.Boolean({ description: 'true: replace the webhook secret (receivers must take the new one)' })),
  },
  { additionalProperties: false },
);
export type ApplicationSettingsChanges = Static<typeof ApplicationSettingsBody>;
