/** Users of an app: profile, meta, tokens (issue, exchange, verify, revoke). */
import { CHAT_LIMITS, type ChatMeta, type ChatToken, type ChatUser, type ChatUserList } from '@parley/protocol';
import type { App } from '../apps/app.service.ts';
import { randomSecret } from '../secrets.ts';
import { requireUser, type ChatContext } from './chat-context.ts';
import { duplicate, invalid, noPermission, tokenExpired, unauthorized, userNotFound } from './errors.ts';
import { channelEvent, userUpdateEvents } from './outbox-events.ts';
import { toUser } from './presenter.ts';
import { checkMeta, checkText, checkUserId, decodeCursor, mergeMeta, page, pageLimit, parseMeta, removeMetaKeys } from './rules.ts';
import { issueToken, TokenError, verifyToken, type TokenClaims, type TokenKind } from './tokens.ts';
import type { UserRow } from './user.repository.ts';

export interface NewUser {
  user_id: string;
  name: string;
  profile_url?: string;
  meta?: unknown;
}

export interface UserUpdate {
  name?: string;
  profile_url?: string;
  meta?: unknown;
}

/** Token lifetimes (protocol CHAT_LIMITS): a session token's default and longest, an sdk token's longest (never beyond its session token). */
const DEFAULT_TOKEN_TTL_MS = CHAT_LIMITS.sessionTokenDefaultMs;
const MAX_TOKEN_TTL_MS = CHAT_LIMITS.sessionTokenMaxMs;
const SDK_TOKEN_TTL_MS = CHAT_LIMITS.sdkTokenMaxMs;

/** A verified token and the user it stands for. */
export interface Session {
  user: ChatUser;
  claims: TokenClaims;
}

export class UserService {
  constructor(private readonly ctx: ChatContext) {}

  async create(appId: string, input: NewUser): Promise<ChatUser> {
    const now = this.ctx.now();
    const row = {
      app_id: appId,
      user_id: checkUserId(input.user_id),
      name: checkText(input.name, 'name', 0, CHAT_LIMITS.userNameMax),
      profile_url: checkText(input.profile_url ?? '', 'profile_url', 0, CHAT_LIMITS.profileUrlMax),
      meta: JSON.stringify(checkMeta(input.meta)),
      tokens_revoked_at: 0,
      incarnation: randomSecret(12),
      created_at: now,
      updated_at: now,
    };
    if (!(await this.ctx.users.insert(row))) throw duplicate(`user ${row.user_id}`);
    return toUser(row);
  }

  async get(appId: string, userId: string): Promise<ChatUser> {
    return toUser(await requireUser(this.ctx, appId, checkUserId(userId)));
  }

  async list(appId: string, limit: number | undefined, next: string | undefined): Promise<ChatUserList> {
    const n = pageLimit(limit);
    const rows = await this.ctx.users.list(appId, decodeCursor(next), n + 1);
    const { items, next: cursor } = page(rows, n, (r) => r.user_id);
    return { users: items.map(toUser), next: cursor };
  }

  async update(appId: string, userId: string, input: UserUpdate): Promise<ChatUser> {
    checkUserId(userId);
    const changes: { name?: string; profile_url?: string; meta?: string } = {};
    if (input.name !== undefined) changes.name = checkText(input.name, 'name', 0, CHAT_LIMITS.userNameMax);
    if (input.profile_url !== undefined) changes.profile_url = checkText(input.profile_url, 'profile_url', 0, CHAT_LIMITS.profileUrlMax);
    if (input.meta !== undefined) changes.meta = JSON.stringify(checkMeta(input.meta));
    if (!(await this.ctx.users.update(appId, userId, changes, this.ctx.now(), await userUpdateEvents(this.ctx, appId)))) throw userNotFound(userId);
    return this.changed(appId, userId);
  }

  /** Sets the given meta keys, keeping the others; returns the whole meta. */
  async updateMeta(appId: string, userId: string, meta: unknown): Promise<ChatMeta> {
    return this.changeMeta(appId, userId, (current) => mergeMeta(current, checkMeta(meta)));
  }

  /** Removes the listed meta keys (all without a list); returns what is left. */
  async deleteMeta(appId: string, userId: string, keys: string[] | undefined): Promise<ChatMeta> {
    return this.changeMeta(appId, userId, (current) => removeMetaKeys(current, keys));
  }

  /** Reads, changes and stores the meta in one transaction, so that concurrent changes never undo one another. */
  private async changeMeta(appId: string, userId: string, change: (meta: ChatMeta) => ChatMeta): Promise<ChatMeta> {
    checkUserId(userId);
    const row = await this.ctx.users.changeMeta(appId, userId, (stored) => JSON.stringify(change(parseMeta(stored))), this.ctx.now(), await userUpdateEvents(this.ctx, appId));
    if (!row) throw userNotFound(userId);
    return this.updated(appId, toUser(row)).meta;
  }

  private async changed(appId: string, userId: string): Promise<ChatUser> {
    return this.updated(appId, toUser(await requireUser(this.ctx, appId, userId)));
  }

  private updated(appId: string, user: ChatUser): ChatUser {
    this.ctx.bus.emit({ type: 'user_update', appId, user });
    return user;
  }

  async delete(appId: string, userId: string): Promise<ChatUser> {
    const row = await requireUser(this.ctx, appId, checkUserId(userId));
    // Who shared a channel with the user must be read before the memberships go.
    const alsoNotify = await this.ctx.users.coMembers(appId, userId);
    const user = toUser(row);
    if (!(await this.ctx.users.delete(appId, userId, await channelEvent(this.ctx, appId, 'user_delete', '', { user })))) throw userNotFound(userId);
    this.ctx.bus.emit({ type: 'user_delete', appId, user, alsoNotify: [userId, ...alsoNotify] });
    this.ctx.bus.emit({ type: 'tokens_revoked', appId, userId });
    return user;
  }

  /** A session token (the app's server hands it to its client), valid until `expiresAt`. */
  async issueToken(app: App, userId: string, expiresAt: number | undefined): Promise<ChatToken> {
    const row = await requireUser(this.ctx, app.id, checkUserId(userId));
    const now = this.ctx.now();
    const exp = expiresAt ?? now + DEFAULT_TOKEN_TTL_MS;
    if (!Number.isInteger(exp) || exp <= now || exp > now + MAX_TOKEN_TTL_MS) throw invalid('expires_at must be a future unix time in ms, within 10 years');
    return this.sign(app, row, 'session', exp);
  }

  /**
   * The sdk token for a verified session token: valid a day at most and never longer than the session
   * token; an sdk token cannot be exchanged again (403 / 3001), so no chain of exchanges outlives it.
   */
  async exchangeToken(app: App, presented: TokenClaims): Promise<ChatToken> {
    if (presented.kind !== 'session') throw noPermission('no permission: only a session token can be exchanged for an sdk token');
    const row = await requireUser(this.ctx, app.id, presented.user_id);
    return this.sign(app, row, 'sdk', Math.min(presented.exp, this.ctx.now() + SDK_TOKEN_TTL_MS));
  }

  private async sign(app: App, row: UserRow, kind: TokenKind, exp: number): Promise<ChatToken> {
    // iat strictly after a revocation made in the same millisecond, so a fresh token is never born revoked.
    const iat = Math.max(this.ctx.now(), Number(row.tokens_revoked_at) + 1);
    return { token: await issueToken(app, { user_id: row.user_id, iat, exp, kind, inc: row.incarnation }), expires_at: exp };
  }

  /** Refuses every token issued so far and ends the user's live connections. */
  async revokeTokens(appId: string, userId: string): Promise<{ user_id: string; revoked_at: number }> {
    checkUserId(userId);
    const at = this.ctx.now();
    if (!(await this.ctx.users.revokeTokens(appId, userId, at))) throw userNotFound(userId);
    this.ctx.bus.emit({ type: 'tokens_revoked', appId, userId });
    return { user_id: userId, revoked_at: at };
  }

  /** Checks a session or sdk token presented by `userId` (socket.io handshake, SDK calls); throws 4001 with the reason (4002 for an expired one). */
  async verifySession(app: App, userId: string, token: string): Promise<Session> {
    let claims;
    try {
      claims = await verifyToken(app, token, this.ctx.now());
    } catch (err) {
      if (err instanceof TokenError && err.expired) throw tokenExpired();
      throw unauthorized(err instanceof TokenError ? err.message : 'invalid token');
    }
    if (claims.user_id !== userId) throw unauthorized('token was issued to another user');
    const row = await this.ctx.users.get(app.id, userId);
    if (!row) throw unauthorized('user does not exist');
    // The same id, created again: the earlier user's tokens are not this one's.
    if (claims.inc !== row.incarnation) throw unauthorized('token revoked');
    if (claims.iat <= Number(row.tokens_revoked_at)) throw unauthorized('token revoked');
    return { user: toUser(row), claims };
  }
}
