/** `client.user.*`: the connected user's profile and other users' public profiles. */
import type { Meta, Report, ReportRequest, User, UserUpdate } from './chat-types.ts';
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
}
