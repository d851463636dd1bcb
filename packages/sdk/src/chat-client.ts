/**
 * `new ChatClient({host, app_id})` and `connectUser({user_id, session_token})`: the entry point of
 * GitpleLive's SDK 1.1 (also `GitpleLiveChat.ChatClient` in the browser bundle). The same client as
 * `new GitpleLive.Client({app_id, url, session_token})`, with the session token given at connect
 * and the server named by its host.
 */
import { Client, type ClientConfig } from './client.ts';
import { SdkError } from './rest.ts';

export interface ChatClientConfig extends Omit<ClientConfig, 'url' | 'session_token'> {
  /**
   * The server's host, e.g. `chat.example.com` (HTTPS), or with port: `chat.example.com:8443`. A URL
   * with its scheme (`http://127.0.0.1:8080`) is taken as it is; a bare loopback host uses HTTP.
   */
  host: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

/** The base URL of a `host` setting. */
export function urlOfHost(host: string): string {
  if (/^https?:\/\//i.test(host)) return host;
  return `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
}

/**
 * @example
 * const client = new ChatClient({ host: 'chat.example.com', app_id: 'my_app' });
 * client.connection.on('connected', () => console.log('online'));
 * await client.connectUser({ user_id: 'alice', session_token });
 */
export class ChatClient extends Client {
  constructor(config: ChatClientConfig) {
    if (typeof config?.host !== 'string' || config.host === '') throw new SdkError(1001, 'host is required');
    const { host, ...rest } = config;
    super({ ...rest, url: urlOfHost(host), session_token: '' }, { sessionTokenAtConnect: true });
  }
}
