/** Typing states of a single node, in memory (typing-store.ts). */
import { typingKey, type TypingEntry, type TypingStore } from './typing-store.ts';

export class MemoryTypingStore implements TypingStore {
  /** `app\nchannel` → user → expiry. */
  private readonly channels = new Map<string, Map<string, number>>();
  /** `app\nuser` → channels it has a state in. */
  private readonly users = new Map<string, Set<string>>();
  /** typingKey → when the right to announce may be claimed again. */
  private readonly announced = new Map<string, number>();

  async start(e: TypingEntry, expiresAt: number, now: number): Promise<boolean> {
    const key = `${e.appId}\n${e.channelId}`;
    let typers = this.channels.get(key);
    if (!typers) this.channels.set(key, (typers = new Map()));
    const before = typers.get(e.userId);
    typers.set(e.userId, expiresAt);
    const userKey = `${e.appId}\n${e.userId}`;
    let channels = this.users.get(userKey);
    if (!channels) this.users.set(userKey, (channels = new Set()));
    channels.add(e.channelId);
    return before === undefined || before <= now;
  }

  async stop(e: TypingEntry): Promise<boolean> {
    return this.remove(e);
  }

  /** Synchronous, so that a state is gone before anyone else may look (takeExpired hands it out once). */
  private remove(e: TypingEntry): boolean {
    const key = `${e.appId}\n${e.channelId}`;
    const typers = this.channels.get(key);
    const before = typers?.get(e.userId);
    if (before === undefined) return false;
    typers!.delete(e.userId);
    if (typers!.size === 0) this.channels.delete(key);
    const userKey = `${e.appId}\n${e.userId}`;
    const channels = this.users.get(userKey);
    if (channels?.delete(e.channelId) && channels.size === 0) this.users.delete(userKey);
    return true;
  }

  async stopAll(appId: string, userId: string): Promise<string[]> {
    const channels = [...(this.users.get(`${appId}\n${userId}`) ?? [])];
    for (const channelId of channels) this.remove({ appId, channelId, userId });
    return channels;
  }

  async typing(appId: string, channelId: string, now: number): Promise<string[]> {
    const typers = this.channels.get(`${appId}\n${channelId}`);
    if (!typers) return [];
    return [...typers].filter(([, until]) => until > now).map(([user]) => user).sort();
  }

  async takeExpired(now: number, max: number): Promise<TypingEntry[]> {
    const out: TypingEntry[] = [];
    scan: for (const [key, typers] of this.channels) {
      const [appId, channelId] = key.split('\n') as [string, string];
      for (const [userId, until] of typers) {
        if (out.length >= max) break scan;
        if (until <= now) out.push({ appId, channelId, userId });
      }
    }
    for (const e of out) this.remove(e);
    for (const [key, until] of this.announced) if (until <= now) this.announced.delete(key);
    return out;
  }

  async claimAnnounce(e: TypingEntry, intervalMs: number, now: number): Promise<number> {
    const key = typingKey(e);
    const until = this.announced.get(key);
    if (until !== undefined && until > now) return until - now;
    this.announced.set(key, now + intervalMs);
    return 0;
  }
}
