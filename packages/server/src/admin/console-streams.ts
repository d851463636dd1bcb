/**
 * The debug consoles open on this node, by app: each gets every batch of its app's activity the console
 * bus brings here, from this node and all others. At most STREAMS_MAX are open at once.
 */
import { SAMPLE_RATE_PER_S } from './activity-feed.ts';
import type { ConsoleBus } from './console-bus.ts';
import { ConsoleStream } from './console-stream.ts';

export const STREAMS_MAX = 32;

export class TooManyStreamsError extends Error {
  constructor() {
    super(`too many open debug consoles on this node (at most ${STREAMS_MAX})`);
  }
}

export class ConsoleStreams {
  private readonly byApp = new Map<string, Set<ConsoleStream>>();
  private open_ = 0;

  constructor(
    private readonly bus: ConsoleBus,
    private readonly nodeId: string,
  ) {
    bus.onActivity((appId, batch) => {
      for (const stream of this.byApp.get(appId) ?? []) stream.push(batch);
    });
  }

  get openCount(): number {
    return this.open_;
  }

  /** Opens a console on `appId`; resolves once the other nodes' activity reaches this node. */
  async open(appId: string): Promise<ConsoleStream> {
    if (this.open_ >= STREAMS_MAX) throw new TooManyStreamsError();
    this.open_++;
    let release: () => void;
    try {
      release = await this.bus.watchApp(appId);
    } catch (err) {
      this.open_--;
      throw err;
    }
    const stream = new ConsoleStream(appId, { type: 'hello', app: appId, node: this.nodeId, sampleRatePerS: SAMPLE_RATE_PER_S }, () => {
      this.open_--;
      const set = this.byApp.get(appId);
      set?.delete(stream);
      if (set?.size === 0) this.byApp.delete(appId);
      release();
    });
    let set = this.byApp.get(appId);
    if (!set) this.byApp.set(appId, (set = new Set()));
    set.add(stream);
    return stream;
  }

  /** Ends every open console (the server drains). */
  closeAll(reason: string): void {
    for (const set of [...this.byApp.values()]) for (const stream of [...set]) stream.end(reason);
  }
}
