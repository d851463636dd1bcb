/**
 * Who may do what in a channel. Two kinds of caller act on the chat: the app's backend through the
 * server API (trusted: it acts for the user a call names, and may do anything in its app), and one of
 * the app's users through the client API, whose role in the channel is read in one query
 * (membership, manager, ban, freeze and visibility together) and checked against what the call needs.
 * A private channel answers a non-member 403 / 3001 and nothing more (DESIGN.md, Visibility).
 */
import type { ChannelRepository, ChannelRow, ChannelWithRole } from './channel.repository.ts';
import { banned, channelNotFound, frozen, muted, noPermission, notJoined, notManager } from './errors.ts';
import { checkChannelId } from './rules.ts';

/** One of the app's users, acting as themselves (the client API). */
export interface UserCaller {
  appId: string;
  userId: string;
}

/**
 * The acting caller: the app's backend, named by its app id (the server API), or a user of the app.
 * @example messages.sendText('demo', 'room', { user_id: 'ann', content: 'hi' }); messages.sendText({ appId: 'demo', userId: 'ann' }, 'room', { content: 'hi' })
 */
export type Caller = string | UserCaller;

export const appIdOf = (caller: Caller): string => (typeof caller === 'string' ? caller : caller.appId);
/** The acting user, or undefined for the app's backend. */
export const userOf = (caller: Caller): string | undefined => (typeof caller === 'string' ? undefined : caller.userId);
/** Whom a call acts for: a user caller always acts as itself; the backend for the user the call names. */
export const actingFor = (caller: Caller, named: unknown): unknown => userOf(caller) ?? named;

/**
 * What a call needs of a user caller: `visible` (the channel exists, the caller is not banned, and is a
 * member or the channel is public), `member`, `sender` (a member of an unfrozen channel), `manager`.
 */
export type Need = 'visible' | 'member' | 'sender' | 'manager';

/** A user's standing in a channel. */
export interface ChannelRole {
  /** Any user of the app may see and join it. */
  public: boolean;
  member: boolean;
  manager: boolean;
  banned: boolean;
  /** Reads, but may not send (DESIGN.md, Moderation: 1021). */
  muted: boolean;
  frozen: boolean;
}

export const roleOf = (row: ChannelWithRole): ChannelRole => ({
  public: Number(row.is_public) === 1,
  member: row.is_member,
  manager: row.is_manager,
  banned: row.is_banned,
  muted: row.is_muted,
  frozen: Number(row.freeze) === 1,
});

/** Throws the code-table error when `role` does not allow `need`. */
function checkRole(role: ChannelRole, need: Need, channelId: string, userId: string): void {
  if (role.banned) throw banned(userId);
  if (!role.member && !role.public) throw noPermission('no permission: the channel is private');
  if (need === 'visible') return;
  if (!role.member) throw notJoined(userId);
  if (need === 'sender' && role.frozen) throw frozen(channelId);
  if (need === 'sender' && role.muted) throw muted(userId);
  if (need === 'manager' && !role.manager) throw notManager(userId);
}

/** A caller's access to one channel, once checked. */
export interface ChannelAccess {
  /** The acting user (client API), or undefined for the app's backend. */
  readonly userId: string | undefined;
  /** The user caller's role; undefined for the backend, which needs none. */
  readonly role: ChannelRole | undefined;
  /**
   * The channel row: as the role query read it, or for the backend read now (1003 when missing), at
   * the point of the call where the server API has always looked it up.
   */
  channel(): Promise<ChannelRow>;
}

/**
 * Checks a caller's access to a channel. A user caller's role is read in one query and checked at
 * once, before anything else of the call (a private channel tells a non-member nothing, not even which
 * of its parameters are wrong); the backend passes, and meets the channel's existence when the call
 * asks for it.
 */
export async function requireAccess(channels: ChannelRepository, caller: Caller, channelId: string, need: Need, now: number): Promise<ChannelAccess> {
  const userId = userOf(caller);
  const appId = appIdOf(caller);
  if (userId === undefined) {
    return {
      userId,
      role: undefined,
      async channel() {
        const row = await channels.get(appId, checkChannelId(channelId));
        if (!row) throw channelNotFound(channelId);
        return row;
      },
    };
  }
  const row = await channels.withRole(appId, checkChannelId(channelId), userId, now);
  if (!row) throw channelNotFound(channelId);
  const role = roleOf(row);
  checkRole(role, need, channelId, userId);
  return { userId, role, channel: async () => row };
}
