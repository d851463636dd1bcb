/**
 * Moderation on the demo page: who manages the open channel, who is muted in it (managers see the
 * list), whether I am muted, whom I blocked, and the actions — mute and unmute (managers), report a
 * message or a person, block and unblock a person (anyone). The message and member menus offer them
 * (message-actions.ts, member-actions.ts).
 */
import type { Mute, ReportRequest, User } from '@parley/sdk';
import type { ChatStore } from './chat-store.ts';
import { shortTime } from './format.ts';

/** The mute the menus offer. */
export const MUTE_SECONDS = 600;

export class Moderation {
  /** Managers of the open channel. */
  managers = new Set<string>();
  /** Muted members of the open channel (known to managers, and from the events). */
  readonly muted = new Map<string, Mute>();
  /** People I blocked: the server sends me nothing of theirs, live or in history. */
  readonly blocked = new Set<string>();
  /** My own mutes, by channel: when they end (unix ms). */
  private readonly myMutes = new Map<string, number>();

  constructor(private readonly store: ChatStore) {}

  listen(): void {
    const { client } = this.store;
    client.on('group:channel_mute', (channel, user, mute) => this.changed(channel.channel_id, user, mute));
    client.on('group:channel_unmute', (channel, user) => this.changed(channel.channel_id, user, undefined));
    client.on('group:channel_manager_create', (channel, user) => {
      if (channel.channel_id !== this.store.activeId) return;
      this.managers.add(user.user_id);
      if (user.user_id === this.store.me) void this.store.run('Could not load the muted members', () => this.loadMuted(channel.channel_id));
      this.store.changed();
    });
    client.on('group:channel_manager_delete', (channel, user) => {
      if (channel.channel_id !== this.store.activeId) return;
      this.managers.delete(user.user_id);
      this.store.changed();
    });
    void this.store.run('Could not load the people you blocked', () => this.loadBlocked());
  }

  private async loadBlocked(): Promise<void> {
    const { users } = await this.store.client.user.getBlockedList({ limit: 100 });
    this.blocked.clear();
    for (const u of users) this.blocked.add(u.user_id);
    this.store.changed();
  }

  isBlocked(userId: string): boolean {
    return this.blocked.has(userId);
  }

  /** Their messages leave the open conversation at once; the server stops sending them. */
  async block(user: User): Promise<void> {
    const name = this.store.nameOf(user);
    await this.store.run(`Could not block ${name}`, async () => {
      await this.store.client.user.blockUser(user.user_id);
      this.blocked.add(user.user_id);
      this.store.hideMessagesOf(user.user_id);
      this.store.tell(`You blocked ${name}: you will see nothing of theirs. Unblock them from their menu.`);
    });
  }

  /** Their messages come back: the open conversation is loaded again. */
  async unblock(user: User): Promise<void> {
    const name = this.store.nameOf(user);
    await this.store.run(`Could not unblock ${name}`, async () => {
      await this.store.client.user.unblockUser(user.user_id);
      this.blocked.delete(user.user_id);
      await this.store.refresh();
      this.store.tell(`You unblocked ${name}.`);
    });
  }

  /** A channel was opened: its managers, and for a manager who is muted. */
  async opened(channelId: string, managers: User[]): Promise<void> {
    this.managers = new Set(managers.map((m) => m.user_id));
    this.muted.clear();
    if (this.amManager()) await this.loadMuted(channelId);
  }

  private async loadMuted(channelId: string): Promise<void> {
    const { muted } = await this.store.client.groupChannel.getMutedList(channelId, { limit: 100 });
    if (this.store.activeId !== channelId) return;
    this.muted.clear();
    for (const m of muted) this.muted.set(m.user_id, m);
    this.store.changed();
  }

  amManager(): boolean {
    return this.managers.has(this.store.me);
  }

  isMuted(userId: string): boolean {
    const mute = this.muted.get(userId);
    return mute !== undefined && mute.expires_at > Date.now();
  }

  /** "You are muted here until 14:03", while I am. */
  myMuteLine(channelId: string): string {
    const until = this.myMutes.get(channelId);
    return until !== undefined && until > Date.now() ? `A manager muted you in this channel until ${shortTime(until)}: you can read, not send.` : '';
  }

  private changed(channelId: string, user: User, mute: Mute | undefined): void {
    if (user.user_id === this.store.me) {
      if (mute) this.myMutes.set(channelId, mute.expires_at);
      else this.myMutes.delete(channelId);
    }
    if (channelId === this.store.activeId) {
      if (mute) this.muted.set(user.user_id, mute);
      else this.muted.delete(user.user_id);
    }
    this.store.changed();
  }

  async mute(channelId: string, user: User): Promise<void> {
    const name = this.store.nameOf(user);
    await this.store.run(`Could not mute ${name}`, async () => {
      const mute = await this.store.client.groupChannel.muteUser(channelId, { user_id: user.user_id, seconds: MUTE_SECONDS });
      this.muted.set(user.user_id, mute);
      this.store.tell(`${name} is muted until ${shortTime(mute.expires_at)}.`);
    });
  }

  async unmute(channelId: string, user: User): Promise<void> {
    const name = this.store.nameOf(user);
    await this.store.run(`Could not unmute ${name}`, async () => {
      await this.store.client.groupChannel.unmuteUser(channelId, user.user_id);
      this.muted.delete(user.user_id);
      this.store.tell(`${name} may send again.`);
    });
  }

  /** Resolves true once the server took the report. */
  async report(report: ReportRequest): Promise<boolean> {
    const done = await this.store.run('Could not send the report', async () => {
      await this.store.client.user.report(report);
      this.store.tell('Reported. Thank you: the app’s moderators will look at it.');
      return true;
    });
    return done === true;
  }
}
