/**
 * Which channels this node receives from the broker: a channel is subscribed on its first local
 * subscriber (the subscribe is awaited, so nothing published after a client's `subscribe_success` is
 * missed) and unsubscribed a while after its last one left, so a client that reconnects or resubscribes
 * at once does not cost a round trip each way (as centrifuge does).
 */
import type { Broker } from './broker.ts';

/** How long a channel without local subscribers stays subscribed. */
export const UNSUBSCRIBE_LINGER_MS = 5_000;

interface Entry {
  /** Settles once the broker confirmed the subscription. */
  ready: Promise<void>;
  linger?: NodeJS.Timeout;
}

export class BrokerSubscriptions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly broker: Broker,
    /** This node's local subscribers of a channel right now. */
    private readonly localCount: (appId: string, channel: string) => number,
    private readonly lingerMs = UNSUBSCRIBE_LINGER_MS,
  ) {}

  /** A local session joined `channel`: resolves once the node receives its traffic; rejects if the broker is down. */
  acquire(appId: string, channel: string): Promise<void> {
    const key = `${appId}\n${channel}`;
    const entry = this.entries.get(key);
    if (entry) {
      clearTimeout(entry.linger);
      entry.linger = undefined;
      return entry.ready;
    }
    const ready = this.broker.subscribe(appId, channel);
    this.entries.set(key, { ready });
    // A failed subscribe is forgotten, so the next subscriber tries again.
    ready.catch(() => {
      if (this.entries.get(key)?.ready === ready) this.entries.delete(key);
    });
    return ready;
  }

  /** A local session left `channel`: the last one to leave starts the linger. */
  release(appId: string, channel: string): void {
    const key = `${appId}\n${channel}`;
    const entry = this.entries.get(key);
    if (!entry || entry.linger || this.localCount(appId, channel) > 0) return;
    entry.linger = setTimeout(() => {
      entry.linger = undefined;
      if (this.localCount(appId, channel) > 0 || this.entries.get(key) !== entry) return;
      this.entries.delete(key);
      void this.broker.unsubscribe(appId, channel);
    }, this.lingerMs);
    entry.linger.unref();
  }

  /** Stops every linger (shutdown: the broker closes its subscriptions itself). */
  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.linger);
    this.entries.clear();
  }
}
