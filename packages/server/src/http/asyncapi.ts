/**
 * The AsyncAPI 3.0 document of the realtime events, served at `/asyncapi.json`, generated from the
 * protocol's event definitions: RTCS (`rtcs:channel` both ways, publications, presence notices) and
 * chat (every CHAT_EVENT_ARGS event with its argument list, the `error` that ends a connection whose
 * token ended), with each connection's parameters (the access URL's query; chat `auth`).
 */
import {
  AccessUrlQuery,
  CHAT_EVENT_ARGS,
  CHAT_TOKEN_END_REASONS,
  ChannelCommand,
  ChannelResult,
  ChatConnectionAuth,
  ChatTokenEnd,
  ChatTypingAck,
  CHAT_TYPING,
  PresenceNotice,
  PublishData,
  RTCS_CHANNEL_EVENT,
  RTCS_NAMESPACES,
  type ChatEventName,
} from '@parley/protocol';
import type { TSchema } from '@sinclair/typebox';
import { COMPONENTS, componentNameOf } from './api-components.ts';
import { exampleBan, exampleChannel, exampleMessage, exampleMute, exampleReactedMessage, exampleReaction, exampleReply, exampleThreadParent, exampleUser } from './api-examples.ts';

/** An example of each chat event argument, by its name. */
const EXAMPLE_ARGUMENTS: Record<string, unknown> = { message: exampleMessage, channel: exampleChannel, user: exampleUser, ban: exampleBan, mute: exampleMute, reaction: exampleReaction, parent_message: exampleThreadParent, typing_user_ids: ['bob'] };
/** Where one event's example reads better with its own message (a reaction's message carries the reaction). */
const EXAMPLE_OVERRIDES: Partial<Record<ChatEventName, Record<string, unknown>>> = { 'group:message_reaction': { message: exampleReactedMessage } };
/** Events whose example and summary say more than their arguments' names do. */
const EVENT_DETAILS: Partial<Record<ChatEventName, { summary: string; example: unknown[] }>> = {
  'group:message_mention': { summary: 'to each mentioned member (the sender aside), on its own connection, besides the group:message_send every member gets', example: [exampleReply, exampleChannel] },
  'group:thread_update': { summary: "to the channel's members when a reply changed its parent's thread_info (they also get the reply's group:message_send)", example: [exampleThreadParent, exampleChannel] },
};

type Json = Record<string, unknown>;

/** A schema as plain JSON (TypeBox's symbol keys dropped). */
const json = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;
const schemaRef = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** The argument of an event: a reference where the schema is a named component, else inline. */
function argument(schema: TSchema): Json {
  const name = componentNameOf(schema);
  return name ? schemaRef(name) : json(schema);
}

/** socket.io delivers an event's arguments as a list: the payload is that tuple (JSON Schema draft-07 form). */
function argumentList(schemas: readonly TSchema[], names: readonly string[]): Json {
  return {
    type: 'array',
    description: `the listener's arguments: (${names.join(', ')})`,
    items: schemas.map(argument),
    minItems: schemas.length,
    maxItems: schemas.length,
    additionalItems: false,
  };
}

/** `group:message_send` → `groupMessageSend`: message keys must be plain identifiers. */
const messageKey = (event: string): string => event.replace(/[:_]+([a-z])/g, (_m, c: string) => c.toUpperCase());

export function buildAsyncApi(version: string): Json {
  const messages: Record<string, Json> = {
    rtcsChannelCommand: {
      name: RTCS_CHANNEL_EVENT,
      title: 'Channel command',
      summary: 'Subscribe to or unsubscribe from a channel; answered on the same event.',
      payload: schemaRef('ChannelCommand'),
      examples: [{ payload: { command: 'subscribe', name: 'presence_room1' } }],
    },
    rtcsChannelResult: {
      name: RTCS_CHANNEL_EVENT,
      title: 'Channel command answer',
      summary: 'The answer to a command, and a subscribe_success for each channel granted at access.',
      payload: schemaRef('ChannelResult'),
      examples: [{ payload: { type: 'subscribe_success', name: 'presence_room1', message: '', members: { s1: 'alice' }, count: 1 } }],
    },
    rtcsPresenceNotice: {
      name: RTCS_CHANNEL_EVENT,
      title: 'Presence notice',
      summary: "A join or leave (a disconnect too) of a presence_ channel, sent to the channel's other sessions.",
      payload: schemaRef('PresenceNotice'),
      examples: [{ payload: { type: 'member_join', name: 'presence_room1', message: '', info: { session: 's2', user: 'bob' } } }],
    },
    rtcsPublication: {
      name: '{event}',
      title: 'Publication',
      summary:
        'An event published by POST /v2/event/{appkey}/channel: the socket.io event is the publish\'s `event`, its one argument the bare `data`; each subscribed session gets it once, per channel in publish order.',
      payload: schemaRef('PublishData'),
      examples: [{ payload: { text: 'hello' } }],
    },
    chatTokenEnd: {
      name: 'error',
      title: 'Token ended',
      summary: `Sent right before the server disconnects a chat socket whose token ended: "${CHAT_TOKEN_END_REASONS.expired}" or "${CHAT_TOKEN_END_REASONS.revoked}".`,
      payload: schemaRef('ChatTokenEnd'),
      examples: [{ payload: CHAT_TOKEN_END_REASONS.expired }],
    },
    chatTyping: {
      name: CHAT_TYPING.socketEvent,
      title: 'Typing',
      summary:
        "A member starts (or refreshes) or ends its typing state, as PUT /v1/sdk/group/channels/{id}/typing does: the channel's other members get group:channel_typing, at most once a second per user and channel; a state ends by itself 5 s after its last refresh. With an acknowledgement the client gets {ok: true} or {error: {code, message}}. Counted by the connection's flood limits like every client packet.",
      payload: schemaRef('ChatTypingEvent'),
      examples: [{ payload: { channel_id: 'alice_bob', typing: true } }],
    },
    chatTypingAck: {
      name: `${CHAT_TYPING.socketEvent} (acknowledgement)`,
      title: 'Typing acknowledgement',
      summary: 'The answer to a typing event sent with an acknowledgement callback.',
      payload: schemaRef('ChatTypingAck'),
      examples: [{ payload: { ok: true } }, { payload: { error: { code: 1008, message: 'user carol is not a member of the channel' } } }],
    },
  };
  for (const [event, { tuple, names }] of Object.entries(CHAT_EVENT_ARGS) as Array<[ChatEventName, (typeof CHAT_EVENT_ARGS)[ChatEventName]]>) {
    messages[messageKey(event)] = {
      name: event,
      title: event,
      summary: `socket.io event ${event} (${names.join(', ')})${EVENT_DETAILS[event] ? `: ${EVENT_DETAILS[event].summary}` : ''}`,
      payload: argumentList(tuple.items ?? [], names),
      examples: [{ payload: EVENT_DETAILS[event]?.example ?? names.map((name) => EXAMPLE_OVERRIDES[event]?.[name] ?? EXAMPLE_ARGUMENTS[name]) }],
    };
  }

  const schemas: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(COMPONENTS)) schemas[name] = json(schema);
  Object.assign(schemas, {
    ChannelCommand: json(ChannelCommand),
    ChannelResult: json(ChannelResult),
    PresenceNotice: json(PresenceNotice),
    PublishData: json(PublishData),
    AccessUrlQuery: json(AccessUrlQuery),
    ChatConnectionAuth: json(ChatConnectionAuth),
    ChatTokenEnd: json(ChatTokenEnd),
    ChatTypingAck: json(ChatTypingAck),
  });

  const ref = (channel: string, message: string): Json => ({ $ref: `#/channels/${channel}/messages/${message}` });
  const chatEvents = Object.keys(CHAT_EVENT_ARGS).map(messageKey);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley realtime events',
      version,
      description:
        'The socket.io events of Parley: the RTCS-compatible realtime face (access URLs, rtcs:channel, publications, presence) and the GitpleLive-compatible chat face (group:* and user_* events). The HTTP APIs are in /openapi.json; docs/api.md says how to read both.',
    },
    defaultContentType: 'application/json',
    servers: {
      parley: {
        host: '{host}',
        protocol: 'ws',
        pathname: '/socket.io/',
        description: 'socket.io 1.x-4.x (engine.io 3 and 4, polling and WebSocket) on the HTTP port; socket.io 0.9 under /socket.io/1/. Behind TLS, wss.',
        variables: { host: { default: '127.0.0.1:8080', description: 'the host and port of PUBLIC_URL' } },
      },
    },
    channels: {
      rtcs: {
        address: RTCS_NAMESPACES[1],
        title: 'RTCS connection',
        description: `A connection opened with the access URL of POST /v2/auth/{appkey}/access, verbatim: io(url). Clients join the namespace ${RTCS_NAMESPACES.map((n) => `\`${n}\``).join(' or ')}; the server answers each on the one it joined. The query may also arrive as the handshake query or connectParams.`,
        messages: {
          channelCommand: { $ref: '#/components/messages/rtcsChannelCommand' },
          channelResult: { $ref: '#/components/messages/rtcsChannelResult' },
          presenceNotice: { $ref: '#/components/messages/rtcsPresenceNotice' },
          publication: { $ref: '#/components/messages/rtcsPublication' },
        },
        bindings: { ws: { bindingVersion: '0.1.0', query: schemaRef('AccessUrlQuery') } },
      },
      chat: {
        address: RTCS_NAMESPACES[0],
        title: 'Chat connection',
        description:
          "The SDK's connection: socket.io handshake `auth` {app_id, user_id, token} (or the same as query parameters), verified as a session or sdk token of that user. It lasts as long as its token.",
        messages: {
          ...Object.fromEntries(chatEvents.map((key) => [key, { $ref: `#/components/messages/${key}` }])),
          tokenEnd: { $ref: '#/components/messages/chatTokenEnd' },
          typing: { $ref: '#/components/messages/chatTyping' },
          typingAck: { $ref: '#/components/messages/chatTypingAck' },
        },
        bindings: { ws: { bindingVersion: '0.1.0', query: schemaRef('ChatConnectionAuth') } },
      },
    },
    operations: {
      receiveChannelCommand: { action: 'receive', title: 'A client (un)subscribes', channel: { $ref: '#/channels/rtcs' }, messages: [ref('rtcs', 'channelCommand')] },
      sendChannelResult: {
        action: 'send',
        title: 'The server answers a command or notes a presence change',
        channel: { $ref: '#/channels/rtcs' },
        messages: [ref('rtcs', 'channelResult'), ref('rtcs', 'presenceNotice')],
      },
      sendPublication: { action: 'send', title: 'The server delivers a publication', channel: { $ref: '#/channels/rtcs' }, messages: [ref('rtcs', 'publication')] },
      sendChatEvent: { action: 'send', title: 'The server delivers a chat event', channel: { $ref: '#/channels/chat' }, messages: chatEvents.map((key) => ref('chat', key)) },
      receiveChatTyping: {
        action: 'receive',
        title: 'A chat client starts or ends typing',
        channel: { $ref: '#/channels/chat' },
        messages: [ref('chat', 'typing')],
        reply: { channel: { $ref: '#/channels/chat' }, messages: [ref('chat', 'typingAck')] },
      },
      sendTokenEnd: { action: 'send', title: 'The server ends a connection whose token ended', channel: { $ref: '#/channels/chat' }, messages: [ref('chat', 'tokenEnd')] },
    },
    components: { schemas, messages },
  };
}
