/**
 * Push tokens (DESIGN.md, "Push hand-off"): a user registers one token per device; Parley never talks
 * to FCM or APNs itself, it lists the tokens of a message's offline recipients in the `push` chat
 * webhook event (outbox-events.ts, outbox-dispatcher.ts) and the app's backend sends the notifications.
 */
import { PUSH_TOKEN_LIMITS, PUSH_TOKEN_TYPES, type ChatPushToken, type ChatPushTokenList } from '@parley/protocol';
import type { UserCaller } from './access.ts';
import type { ChatContext } from './chat-context.ts';
import { invalid, resourceNotFound } from './errors.ts';
import type { PushTokenRepository, PushTokenRow } from './push-token.repository.ts';

const toToken = (row: PushTokenRow): ChatPushToken => ({ type: row.type as ChatPushToken['type'], token: row.token, created_at: Number(row.created_at) });

export class PushTokenService {
  constructor(
    private readonly ctx: ChatContext,
    private readonly tokens: PushTokenRepository,
  ) {}

  /** Registers the caller's token (again: its type is updated); at most PUSH_TOKEN_LIMITS.perUser per user. */
  async register(caller: UserCaller, type: unknown, token: unknown): Promise<ChatPushToken> {
    if (typeof type !== 'string' || !(PUSH_TOKEN_TYPES as readonly string[]).includes(type)) throw invalid(`type must be one of ${PUSH_TOKEN_TYPES.join(', ')}`);
    if (typeof token !== 'string' || token.length === 0 || token.length > PUSH_TOKEN_LIMITS.tokenMaxChars) throw invalid(`token must be 1-${PUSH_TOKEN_LIMITS.tokenMaxChars} characters`);
    const row: PushTokenRow = { app_id: caller.appId, user_id: caller.userId, token, type, created_at: this.ctx.now() };
    if (!(await this.tokens.add(row, PUSH_TOKEN_LIMITS.perUser))) throw invalid(`token: at most ${PUSH_TOKEN_LIMITS.perUser} push tokens per user; unregister one first`);
    return toToken(row);
  }

  /** 1002 when the caller has no such token. */
  async unregister(caller: UserCaller, token: string): Promise<void> {
    if (!(await this.tokens.remove(caller.appId, caller.userId, token))) throw resourceNotFound('push token');
  }

  async list(caller: UserCaller): Promise<ChatPushTokenList> {
    return { tokens: (await this.tokens.list(caller.appId, caller.userId)).map(toToken) };
  }
}
