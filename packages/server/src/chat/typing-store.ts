/**
 * Where typing states live (DESIGN.md, Typing): who types in which channel until when, and the right
 * to announce a change, so that at most one `group:channel_typing` per user and channel goes out per
 * interval. A single node keeps them in memory (memory-typing-store.ts); cluster mode in Redis
 * (cluster/redis-typing-store.ts), so that every node sees the typers of every node and a state whose
 * node died still expires. Typing states are never stored in the database.
 */

/** One user's typing state in one channel. */
export interface TypingEntry {
  appId: string;
  channelId: string;
  userId: string;
}

export interface TypingStore {
  /** Starts or refreshes the state until `expiresAt`; true when the user was not typing there at `now`. */
  start(entry: TypingEntry, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Ends the state; true when its end is still to be announced: it was typing, or its state ran out
   * and no node has taken it yet (takeExpired).
   */
  stop(entry: TypingEntry): Promise<boolean>;
  /** Ends the user's states in every channel; the channels whose end is to be announced (as stop). */
  stopAll(appId: string, userId: string): Promise<string[]>;
  /** Users typing in the channel at `now`, in user id order. */
  typing(appId: string, channelId: string, now: number): Promise<string[]>;
  /** Takes up to `max` states that ended by themselves by `now`: each is handed to one caller only, cluster-wide. */
  takeExpired(now: number, max: number): Promise<TypingEntry[]>;
  /**
   * Claims the right to announce a change of `entry` now, held for `intervalMs`: 0 when granted, else
   * the milliseconds until it may be claimed again.
   */
  claimAnnounce(entry: TypingEntry, intervalMs: number, now: number): Promise<number>;
}

/** The key of a state in the stores' due lists (ids never hold a newline). */
export const typingKey = (e: TypingEntry): string => `${e.appId}\n${e.channelId}\n${e.userId}`;

export function typingEntryOf(key: string): TypingEntry | undefined {
  const [appId, channelId, userId, ...rest] = key.split('\n');
  return appId && channelId && userId && rest.length === 0 ? { appId, channelId, userId } : undefined;
}
