/** @parley/sdk: the GitpleLive-compatible client of Parley, for browsers and Node. */
export { Client, type ClientConfig, type ClientEvents, type ConnectionEvents, type ConnectionState } from './client.ts';
export { ChatClient, type ChatClientConfig } from './chat-client.ts';
export { ConnectionEmitter, type ConnectionAliasEvents } from './connection-events.ts';
export type { ReconnectOptions } from './connection.ts';
export * from './chat-types.ts';
export type * from './group-channel.api.ts';
export { NETWORK_ERROR_CODE, SdkError } from './rest.ts';
export { SDK_VERSION } from './version.ts';
