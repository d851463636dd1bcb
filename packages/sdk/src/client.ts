/**
 * `new GitpleLive.Client({app_id, url, session_token})`: the SDK's entry point. `connectUser` exchanges
 * the session token for an SDK token (a day at most, never past the session token), opens the realtime
 * connection with it and resolves with the user; events arrive through `on`; `user.*` and
 * `groupChannel.*` call the client API. When the SDK token expires the SDK exchanges the session token
 * again — and when that one has expired too, asks the app for a new one (`refreshSessionToken`).
 */
import { catchUp, joinedChannels, recordFloors } from './catch-up.ts';
import { CHAT_EVENT_NAMES, CHAT_TYPING, type ChatServerEvents, type ChatToken, type ChatTokenEndReason, type GroupChannel, type Message, type User } from './chat-types.ts';
import { RealtimeConnection, type ReconnectOptions } from './connection.ts';
import { ConnectionEmitter } from './connection-events.ts';
import { TypedEmitter } from './emitter.ts';
import { GroupChannelApi } from './group-channel.api.ts';
import { MessageSequencer } from './message-sequencer.ts';
import { NETWORK_ERROR_CODE, RestClient, SdkError } from './rest.ts';
import { UserApi } from './user.api.ts';

export interface ClientConfig {
  app_id: string;
  /** Base URL of the Parley server, e.g. `https://chat.example.com`. */
  url: string;
  /** Session token issued by your server through `POST /v1/users/{id}/token`. */
  session_token: string;
  reconnect?: ReconnectOptions;
  /**
   * Called when the session token itself is refused (expired or revoked) while the SDK renews its
   * token: resolve with a new session token from your server, or reject to end the session (then
   * `disconnected`). Without it the session ends when the session token does.
   * @example refreshSessionToken: async () => (await fetch('/my/chat-token')).text()
   */
  refreshSessionToken?: () => Promise<string>;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** Connection events of the client (chat events are those of {@link ChatServerEvents}). */
export interface ConnectionEvents {
  connected: () => void;
  /** The connection is closed for good (disconnectUser, the server ended it, reconnection gave up). */
  disconnected: (reason: string) => void;
  /** Each reconnection attempt after a drop, numbered from 1. */
  reconnectTry: (attempt: number) => void;
  /** Reconnected, and every message sent meanwhile was delivered. */
  reconnectSucceed: () => void;
  reconnectFailed: () => void;
  /**
   * The server ended the connection because its token expired (`token expired`) or was revoked
   * (`token revoked`). The SDK renews the token and connects again (`reconnectSucceed` follows, with
   * the messages sent meanwhile), or ends the session (`disconnected` with this reason).
   */
  tokenExpired: (reason: ChatTokenEndReason) => void;
  error: (error: SdkError) => void;
}

export type ClientEvents = ConnectionEvents & ChatServerEvents;

const CHAT_EVENTS: ReadonlySet<string> = new Set(CHAT_EVENT_NAMES);

/** The client's connection events that `client.connection` repeats under GitpleLive SDK 1.1's names. */
const ALIASES: Partial<Record<keyof ClientEvents, 'connected' | 'reconnect_success' | 'reconnect_failed' | 'disconnected'>> = {
  connected: 'connected',
  reconnectSucceed: 'reconnect_success',
  reconnectFailed: 'reconnect_failed',
  disconnected: 'disconnected',
};

/** How long a typing event waits for the server's acknowledgement. */
const TYPING_ACK_TIMEOUT_MS = 10_000;
const TYPING_EVENT = CHAT_TYPING.socketEvent;

const toSdkError = (err: unknown): SdkError =>
  err instanceof SdkError ? err : new SdkError(NETWORK_ERROR_CODE, err instanceof Error ? err.message : String(err));

export class Client extends TypedEmitter<ClientEvents> {
  /** The connected user's profile calls. */
  readonly user: UserApi;
  /** Group channel calls as the connected user. */
  readonly groupChannel: GroupChannelApi;
  /**
   * The connection events under GitpleLive SDK 1.1's names (`connected`, `reconnect_start`,
   * `reconnect_success`, `reconnect_failed`, `disconnected`).
   * @example client.connection.on('reconnect_failed', () => client.connectUser({ user_id, session_token }));
   */
  readonly connection = new ConnectionEmitter();
  private readonly rest: RestClient;
  private readonly url: string;
  private readonly sequencer = new MessageSequencer<Message, GroupChannel>((m, c) => this.emit('group:message_send', m, c));
  private realtime: RealtimeConnection | undefined;
  private state: ConnectionState = 'disconnected';
  private userId = '';
  private sessionToken: string;
  private sdkToken = '';
  private refreshing: Promise<boolean> | undefined;

  /** `options.sessionTokenAtConnect`: the session token comes with connectUser (ChatClient). */
  constructor(
    private readonly config: ClientConfig,
    options: { sessionTokenAtConnect?: boolean } = {},
  ) {
    super();
    for (const key of options.sessionTokenAtConnect ? (['app_id', 'url'] as const) : (['app_id', 'url', 'session_token'] as const)) {
      if (typeof config?.[key] !== 'string' || config[key] === '') throw new SdkError(1001, `${key} is required`);
    }
    this.url = config.url.replace(/\/+$/, '');
    this.sessionToken = config.session_token;
    this.rest = new RestClient(this.url, () => ({ appId: config.app_id, userId: this.userId, token: this.sdkToken || this.sessionToken }), () => this.refreshToken());
    this.user = new UserApi(this.rest);
    this.groupChannel = new GroupChannelApi(this.rest, (channelId, typing) => this.sendTyping(channelId, typing));
  }

  /** `disconnected`, `connecting`, `connected` or `reconnecting`. */
  get connectionState(): ConnectionState {
    return this.state;
  }

  /** The user given to connectUser (empty before). */
  get currentUserId(): string {
    return this.userId;
  }

  /**
   * Connects as the user the session token was issued to; resolves with that user. `session_token`
   * replaces the one of the constructor (ChatClient takes it only here).
   * @example const me = await client.connectUser({ user_id: 'alice' });
   * @example const me = await chatClient.connectUser({ user_id: 'alice', session_token });
   */
  async connectUser({ user_id, session_token }: { user_id: string; session_token?: string }): Promise<User> {
    if (typeof user_id !== 'string' || user_id === '') throw new SdkError(1001, 'user_id is required');
    if (session_token !== undefined && (typeof session_token !== 'string' || session_token === '')) throw new SdkError(1001, 'session_token must be a token');
    if (session_token === undefined && this.sessionToken === '') throw new SdkError(1001, 'session_token is required');
    if (this.state !== 'disconnected') throw new SdkError(1001, 'already connected: call disconnectUser() first');
    if (session_token !== undefined) this.sessionToken = session_token;
    this.userId = user_id;
    this.state = 'connecting';
    try {
      // A session token that already expired is renewed through refreshSessionToken here too.
      await this.renewToken();
      const me = await this.user.me();
      const connection = new RealtimeConnection(this.url, this.callbacks(), this.config.reconnect);
      this.realtime = connection;
      await connection.open();
      recordFloors(this.sequencer, await joinedChannels(this.groupChannel));
      if (this.realtime !== connection) throw new SdkError(NETWORK_ERROR_CODE, 'disconnected while connecting');
      this.state = 'connected';
      this.emit('connected');
      return me;
    } catch (err) {
      this.teardown();
      throw toSdkError(err);
    }
  }

  /**
   * Closes the connection; `disconnected` follows. The client may connect again.
   * @example client.disconnectUser();
   */
  disconnectUser(): void {
    if (this.state === 'disconnected') return;
    this.teardown();
    this.emit('disconnected', 'client disconnect');
  }

  /** Repeats the connection events on `client.connection` under their SDK 1.1 names. */
  protected override emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    super.emit(event, ...args);
    const alias: (typeof ALIASES)[keyof ClientEvents] = ALIASES[event];
    if (alias === 'disconnected') this.connection.relay(alias, args[0] as string);
    else if (alias !== undefined) this.connection.relay(alias);
  }

  /** A live connection dropped: the state becomes `reconnecting`, announced once per drop. */
  private reconnecting(): void {
    if (this.state === 'connected') this.connection.relay('reconnect_start');
    this.state = 'reconnecting';
  }

  /** The typing event over the socket when connected (acknowledged); undefined to use REST instead. */
  private sendTyping(channelId: string, typing: boolean): Promise<void> | undefined {
    const answer = this.realtime?.request(TYPING_EVENT, { channel_id: channelId, typing }, TYPING_ACK_TIMEOUT_MS);
    return answer?.then(
      (ack) => {
        const error = (ack as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
        if (error) throw new SdkError(typeof error.code === 'number' ? error.code : NETWORK_ERROR_CODE, String(error.message));
      },
      // No acknowledgement in time (or the socket closed meanwhile).
      (err: unknown) => {
        throw toSdkError(err);
      },
    );
  }

  private teardown(): void {
    this.realtime?.close();
    this.realtime = undefined;
    this.sequencer.reset();
    this.state = 'disconnected';
    this.sdkToken = '';
  }

  private async exchangeToken(): Promise<void> {
    const answer = await this.rest.withToken<ChatToken>('POST', '/users/token', this.sessionToken);
    this.sdkToken = answer.token;
  }

  /** A new SDK token from the session token; when that is refused, from a new session token of the app's. */
  private async renewToken(): Promise<void> {
    try {
      await this.exchangeToken();
    } catch (err) {
      const ask = this.config.refreshSessionToken;
      if (!ask || !(err instanceof SdkError) || err.status !== 401) throw err;
      const fresh = await ask();
      if (typeof fresh !== 'string' || fresh === '') throw new SdkError(1001, 'refreshSessionToken must resolve with a session token');
      this.sessionToken = fresh;
      await this.exchangeToken();
    }
  }

  /** On a 401, a refused connection or a token that ended: a new SDK token, once at a time. */
  private refreshToken(): Promise<boolean> {
    this.refreshing ??= this.renewToken().then(
      () => true,
      () => false,
    );
    const done = this.refreshing;
    void done.finally(() => {
      if (this.refreshing === done) this.refreshing = undefined;
    });
    return done;
  }

  private callbacks(): ConstructorParameters<typeof RealtimeConnection>[1] {
    return {
      auth: () => ({ app_id: this.config.app_id, user_id: this.userId, token: this.sdkToken || this.sessionToken }),
      refreshToken: () => this.refreshToken(),
      connected: (reconnect) => {
        if (!reconnect) return;
        // Hold live messages of every followed channel before any event of the new socket arrives.
        const held = this.sequencer.knownChannels();
        for (const id of held) this.sequencer.hold(id);
        catchUp(this.groupChannel, this.sequencer, held).then(
          () => this.reconnected(),
          (err: unknown) => {
            this.emit('error', toSdkError(err));
            this.reconnected();
          },
        );
      },
      lost: () => this.reconnecting(),
      attempt: (n) => {
        this.state = 'reconnecting';
        this.emit('reconnectTry', n);
      },
      failed: () => {
        if (this.state === 'disconnected') return;
        this.teardown();
        this.emit('reconnectFailed');
        this.emit('disconnected', 'reconnection failed');
      },
      closed: (reason) => {
        this.teardown();
        this.emit('disconnected', reason);
      },
      tokenEnded: (reason) => {
        this.reconnecting();
        this.emit('tokenExpired', reason);
      },
      event: (name, args) => this.dispatch(name, args),
    };
  }

  private reconnected(): void {
    if (!this.realtime?.connected) return;
    this.state = 'connected';
    this.emit('reconnectSucceed');
  }

  private dispatch(name: string, args: unknown[]): void {
    if (name === 'error') {
      this.emit('error', new SdkError(NETWORK_ERROR_CODE, String(args[0])));
      return;
    }
    if (!CHAT_EVENTS.has(name)) return;
    if (name === 'group:message_send') return this.sequencer.live(args[0] as Message, args[1] as GroupChannel);
    const channel = args[0] as GroupChannel;
    const self = (args[1] as User | undefined)?.user_id === this.userId;
    if (name === 'group:channel_delete' || (self && (name === 'group:channel_leave' || name === 'group:channel_ban'))) this.sequencer.forget(channel.channel_id);
    if (self && name === 'group:channel_join') this.sequencer.setFloor(channel.channel_id, channel.last_message?.message_id ?? 0);
    // The server sends each event with the argument order of ChatServerEvents; the name was checked above.
    this.emit(name as keyof ChatServerEvents, ...(args as Parameters<ChatServerEvents[keyof ChatServerEvents]>));
  }
}
