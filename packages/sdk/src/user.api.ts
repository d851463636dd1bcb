/** `client.user.*`: the connected user's profile and other users' public profiles. */
import type { Meta, PushToken, PushTokenList, PushTokenType, Report, ReportRequest, User, UserList, UserUpdate } from './chat-types.ts';
import type { RestClient } from './rest.ts';

export class UserApi {
  constructor(private readonly rest: RestClient) {}

  /**
   * The connected user.
   * @example const me = await client.user.me(); console.log(me.name);
   */
  me(): Promise<User> {
    return this.rest.get<User>('/users/me');
  }

  /**
   * Another user of the app.
   * @example const bob = await client.user.getUser('bob');
   */
  getUser(userId: string): Promise<User> {
    return this.rest.get<User>(`/users/${encodeURIComponent(userId)}`);
  }

  /**
   * Changes the connected user's name or picture; members see `user_update`.
   * @example await client.user.updateUser({ name: 'Alice A.' });
   */
  updateUser(changes: UserUpdate): Promise<User> {
    return this.rest.put<User>('/users/me', changes);
  }

  /**
   * Sets meta keys of the connected user (others are kept).
   * @example await client.user.updateMeta({ team: 'blue' });
   */
  updateMeta(meta: Meta): Promise<Meta> {
    return this.rest.put<Meta>('/users/me/meta', { meta });
  }

  /**
   * Removes meta keys of the connected user (all of them without `keys`).
   * @example await client.user.deleteMeta(['team']);
   */
  deleteMeta(keys?: string[]): Promise<Meta> {
    return this.rest.delete<Meta>('/users/me/meta', keys ? { keys } : undefined);
  }

  /**
   * Reports a message, a user or a channel the connected user can see, for the app's moderators.
   * @example await client.user.report({ target: 'message', channel_id: 'lobby', message_id: 42, reason: 'spam' });
   */
  report(report: ReportRequest): Promise<Report> {
    return this.rest.post<Report>('/reports', report);
  }

  /**
   * Blocks a user: the connected user receives nothing from it from now on, live or in history, and
   * its sends in a 1:1 channel are refused (1022). Answers the blocked user.
   * @example await client.user.blockUser('spammer');
   */
  blockUser(userId: string): Promise<User> {
    return this.rest.put<User>('/users/me/block', { user_id: userId });
  }

  /** @example await client.user.unblockUser('spammer'); */
  unblockUser(userId: string): Promise<User> {
    return this.rest.delete<User>(`/users/me/block/${encodeURIComponent(userId)}`);
  }

  /** @example const { users } = await client.user.getBlockedList(); */
  getBlockedList(params?: { limit?: number; next?: string }): Promise<UserList> {
    return this.rest.get<UserList>('/users/me/blocked', params);
  }

  /**
   * Registers this device's push token (`fcm`, `apns` or `web`; at most 20 per user). While the user
   * has no live connection, the app's backend receives it in the `push` chat webhook of each message
   * of the user's channels and sends the notification itself.
   * @example await client.user.registerPushToken('fcm', await getToken(messaging));
   */
  registerPushToken(type: PushTokenType, token: string): Promise<PushToken> {
    return this.rest.put<PushToken>('/users/me/push_tokens', { type, token });
  }

  /**
   * Unregisters a push token (on sign-out, or when the platform replaced it); answers the tokens left.
   * @example await client.user.unregisterPushToken(oldToken);
   */
  unregisterPushToken(token: string): Promise<PushTokenList> {
    return this.rest.delete<PushTokenList>(`/users/me/push_tokens/${encodeURIComponent(token)}`);
  }

  /** @example const { tokens } = await client.user.getPushTokens(); */
  getPushTokens(): Promise<PushTokenList> {
    return this.rest.get<PushTokenList>('/users/me/push_tokens');
  }
}
