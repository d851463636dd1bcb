/**
 * The socket.io side of the SDK: one connection authenticated with `{app_id, user_id, token}`,
 * reconnected with exponential backoff (socket.io's manager: delay doubles from `minDelayMs` up to
 * `maxDelayMs`, ±50 % jitter). A refusal by the server (expired token) gets one token refresh, and so
 * does the server ending the connection because its token expired or was revoked: renewed, it
 * connects again; otherwise the session ends with that reason.
 */
import { CHAT_TOKEN_END_REASONS, type ChatTokenEndReason } from '@parley/protocol';
import { io, type Socket } from 'socket.io-client';

export interface ReconnectOptions {
  /** Attempts before `reconnectFailed` (default 20). */
  attempts?: number;
  /** First delay (default 500 ms); each further attempt doubles it. */
  minDelayMs?: number;
  /** Longest delay (default 10 s). */
  maxDelayMs?: number;
}

export interface ConnectionAuth {
  app_id: string;
  user_id: string;
  token: string;
}

export interface ConnectionCallbacks {
  auth(): ConnectionAuth;
  /** A refusal by the server: resolve true when a fresh token is worth another try. */
  refreshToken(): Promise<boolean>;
  /** Connected (again); `reconnect` is false the first time. */
  connected(reconnect: boolean): void;
  /** The connection dropped; reconnection attempts follow. */
  lost(reason: string): void;
  attempt(attempt: number): void;
  /** Gave up: attempts exhausted or the server refused for good. */
  failed(error: Error): void;
  /** The server ended the session on purpose (no reconnection). */
  closed(reason: string): void;
  /** The server ended the connection because its token expired or was revoked; a renewal follows. */
  tokenEnded(reason: ChatTokenEndReason): void;
  event(name: string, args: unknown[]): void;
}

const TOKEN_END_REASONS: ReadonlySet<unknown> = new Set(Object.values(CHAT_TOKEN_END_REASONS));

export class RealtimeConnection {
  private socket: Socket | undefined;
  private everConnected = false;
  /** Refusals since the last successful connect: only the first one gets a token refresh. */
  private refusals = 0;

  constructor(
    private readonly url: string,
    private readonly callbacks: ConnectionCallbacks,
    private readonly options: ReconnectOptions = {},
  ) {}

  /** Resolves at the first successful connect; rejects when the server refuses it. */
  open(): Promise<void> {
    const cb = this.callbacks;
    const socket = io(this.url, {
      auth: (send) => send({ ...cb.auth() }),
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      reconnectionAttempts: this.options.attempts ?? 20,
      reconnectionDelay: this.options.minDelayMs ?? 500,
      reconnectionDelayMax: this.options.maxDelayMs ?? 10_000,
      randomizationFactor: 0.5,
      timeout: 10_000,
    });
    this.socket = socket;
    // Set by the server's `error` event that precedes the end of a connection whose token ended.
    let tokenEnd: ChatTokenEndReason | undefined;
    socket.onAny((event: string, ...args: unknown[]) => {
      if (event === 'error' && TOKEN_END_REASONS.has(args[0])) tokenEnd = args[0] as ChatTokenEndReason;
      else cb.event(event, args);
    });
    socket.io.on('reconnect_attempt', (n) => cb.attempt(n));
    socket.io.on('reconnect_failed', () => cb.failed(new Error('reconnection failed')));
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return;
      if (socket.active) return cb.lost(reason);
      const ended = tokenEnd;
      tokenEnd = undefined;
      if (!ended) return cb.closed(reason);
      cb.tokenEnded(ended);
      cb.refreshToken().then(
        (renewed) => {
          if (this.socket !== socket) return;
          if (renewed) socket.connect();
          else cb.closed(ended);
        },
        () => this.socket === socket && cb.closed(ended),
      );
    });

    return new Promise<void>((resolve, reject) => {
      socket.on('connect', () => {
        const reconnect = this.everConnected;
        this.everConnected = true;
        this.refusals = 0;
        cb.connected(reconnect);
        resolve();
      });
      socket.on('connect_error', (err) => {
        // An active socket retries by itself (transport trouble); an inactive one was refused.
        if (socket.active) {
          if (!this.everConnected && socket.io.reconnection() === false) reject(err);
          return;
        }
        const giveUp = () => (this.everConnected ? cb.failed(err) : reject(err));
        if (++this.refusals > 1) return giveUp();
        cb.refreshToken().then(
          (retry) => {
            if (retry && this.socket === socket) socket.connect();
            else giveUp();
          },
          giveUp,
        );
      });
    });
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /**
   * Sends a client event and resolves with the server's acknowledgement (rejects after `timeoutMs`);
   * undefined while not connected, so that the caller takes another way.
   */
  request(event: string, payload: unknown, timeoutMs: number): Promise<unknown> | undefined {
    const socket = this.socket;
    if (!socket?.connected) return undefined;
    return socket.timeout(timeoutMs).emitWithAck(event, payload);
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    socket.offAny();
    socket.io.removeAllListeners();
    socket.removeAllListeners();
    socket.disconnect();
  }
}
