/**
 * What the API documents share, built from @parley/protocol: the named schemas (components of the
 * OpenAPI and AsyncAPI documents, registered on Fastify so routes refer to them), the two error
 * envelopes with their code tables, the security requirements of each API family, and `answer()`,
 * a route's documented success or error body with its example.
 */
import {
  AccessResponse,
  ChatReadChannels,
  ChatThreadInfo,
  ChatUnreadCount,
  ApplicationSettings,
  chatErrorCodeTable,
  ChatBan,
  ChatBannedList,
  ChatChannel,
  ChatChannelList,
  ChatErrorBody,
  ChatFile,
  ChatManagerList,
  ChatMemberList,
  ChatMessage,
  ChatMute,
  ChatMutedList,
  ChatReactionEvent,
  ChatReport,
  ChatReportList,
  ChatSearchResult,
  ChatExport,
  ChatMessageList,
  ChatMeta,
  ChatOnlineMembers,
  ChatPushToken,
  ChatPushTokenList,
  ChatToken,
  ChatTokenRevocation,
  ChatTypingEvent,
  ChatTypingState,
  ChatTypingUserIds,
  ChatUser,
  ChatUserList,
  CountResponse,
  DevToken,
  FileMessageForm,
  TextMessageBody,
  ExistsResponse,
  MemberMap,
  PublishResponse,
  rtcsErrorCodeTable,
  RtcsErrorBody,
} from '@parley/protocol';
import type { SwaggerTransform } from '@fastify/swagger';
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Error body of the chat APIs (`/v1`, `/v1/sdk`), with the code table. */
export const ChatError = Type.Object(ChatErrorBody.properties, {
  description: `Error body of the chat APIs (server API /v1 and client API /v1/sdk).\n\n${chatErrorCodeTable()}`,
});
/** Error body of the RTCS Service API, with its statuses. */
export const RtcsError = Type.Object(RtcsErrorBody.properties, { description: `Error body of the RTCS Service API: code repeats the HTTP status.\n\n${rtcsErrorCodeTable()}` });

/** Every named schema, by its component name (the same name in both documents). */
/** Error body of the admin API (/admin/api): the chat code for chat refusals, else the HTTP status. */
export const AdminError = Type.Object(
  { code: Type.Integer({ description: 'the chat error code for chat refusals (DESIGN.md), else the HTTP status' }), message: Type.String() },
  { description: 'Error body of the admin API: `code` is the chat code of a chat refusal, else the HTTP status.' },
);

export const COMPONENTS = {
  ChatMeta,
  ChatUser,
  ChatFile,
  ChatMessage,
  ChatChannel,
  ChatBan,
  ChatUserList,
  ChatChannelList,
  ChatMemberList,
  ChatBannedList,
  ChatMute,
  ChatMutedList,
  ChatReactionEvent,
  ChatReport,
  ChatReportList,
  ChatSearchResult,
  ChatExport,
  ChatMessageList,
  ChatOnlineMembers,
  ChatToken,
  ChatTokenRevocation,
  ChatManagerList,
  ChatTypingState,
  ChatTypingUserIds,
  ChatTypingEvent,
  ChatPushToken,
  ChatPushTokenList,
  ChatError,
  DevToken,
  AccessResponse,
  PublishResponse,
  ExistsResponse,
  MemberMap,
  CountResponse,
  RtcsError,
  AdminError,
  ApplicationSettings,
  ChatThreadInfo,
  ChatUnreadCount,
  ChatReadChannels,
} as const satisfies Record<string, TSchema>;
export type ComponentName = keyof typeof COMPONENTS;

/** The component name of a protocol schema, by identity (for the AsyncAPI document's references). */
export const componentNameOf = (schema: TSchema): ComponentName | undefined =>
  (Object.keys(COMPONENTS) as ComponentName[]).find((name) => COMPONENTS[name] === schema);

/**
 * A documented body: a reference to the component with one example. Responses are serialised as the
 * handlers built them (http-server.ts), so this documents and types, and never reshapes, an answer.
 */
export function answer<N extends ComponentName>(name: N, example: Static<(typeof COMPONENTS)[N]>, description = 'Success') {
  // Wrapped in allOf: siblings of a bare $ref (the example, the description) would be dropped.
  return Type.Unsafe<Static<(typeof COMPONENTS)[N]>>({ allOf: [Type.Ref(name)], examples: [example], description });
}

/** A request schema with one example, checked against the schema's type. */
export function withExample<T extends TSchema>(schema: T, example: Static<T>): T {
  return { ...schema, examples: [example] };
}

const envelope = <N extends 'ChatError' | 'RtcsError' | 'AdminError'>(name: N) =>
  Type.Unsafe<Static<(typeof COMPONENTS)[N]>>({ allOf: [Type.Ref(name)], description: `Failure: the ${name} envelope (the code table is in its schema)` });
/** Every chat operation's failures (the code table is in the component's description). */
export const CHAT_ERRORS = { '4xx': envelope('ChatError'), '5xx': envelope('ChatError') };
export const RTCS_ERRORS = { '4xx': envelope('RtcsError'), '5xx': envelope('RtcsError') };
export const ADMIN_ERRORS = { '4xx': envelope('AdminError'), '5xx': envelope('AdminError') };

/** OpenAPI security schemes, one per credential. */
export const SECURITY_SCHEMES = {
  rtcsApiKey: { type: 'apiKey', in: 'header', name: 'x-nhn-apikey', description: "The app's API key (RTCS Service API; APP_API_KEY is accepted too)" },
  appId: { type: 'apiKey', in: 'header', name: 'APP_ID', description: 'The app id (chat server API and client API)' },
  appApiKey: { type: 'apiKey', in: 'header', name: 'APP_API_KEY', description: "The app's API key (chat server API)" },
  userId: { type: 'apiKey', in: 'header', name: 'USER_ID', description: 'The user the token was issued to (chat client API)' },
  bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A session token (POST /v1/users/{user_id}/token) or the sdk token it was exchanged for (chat client API)' },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the server sets it: guards /metrics, /docs and /openapi.json' },
  adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (or the token generated at first start): the operator console and /admin/api' },
} as const;

/** Which credentials each API family takes (all of a requirement's schemes at once). */
export const SECURITY: Record<'rtcs' | 'platform' | 'sdk' | 'ops' | 'admin' | 'none', Array<Record<string, string[]>>> = {
  rtcs: [{ rtcsApiKey: [] }],
  platform: [{ appId: [], appApiKey: [] }],
  sdk: [{ bearerToken: [], appId: [], userId: [] }],
  /** Open, or guarded by METRICS_TOKEN when it is set. */
  ops: [{}, { metricsToken: [] }],
  admin: [{ adminToken: [] }],
  none: [],
};

/**
 * The documented body of a message send. A send takes JSON (a text) or multipart/form-data (a file),
 * so its route has no body schema and the message service checks each field; the document still
 * shows both forms, with an example of the JSON one.
 */
export function sendBodyDocs(example: Static<typeof TextMessageBody>): SwaggerTransform {
  return ({ schema, url }) => ({
    url,
    schema: {
      ...schema,
      body: {
        content: {
          'application/json': { schema: { ...TextMessageBody, examples: [example] } },
          'multipart/form-data': { schema: FileMessageForm },
        },
      },
    },
  });
}
