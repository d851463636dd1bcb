/**
 * One open debug console: the NDJSON stream of an app's activity to one browser. Batches from every
 * node land in a bounded queue; the queue is written out as fast as the connection takes it (the
 * PassThrough's `write` says when to wait), and what does not fit while the browser lags is dropped
 * and counted, so a slow console never holds anything up. A ping every PING_MS keeps proxies from
 * timing the stream out and lets a console see that it is alive.
 */
import { PassThrough } from 'node:stream';
import type { ActivityEvent, ActivityFrame } from '@parley/protocol';
import type { ActivityBatch } from './console-bus.ts';

/** Events waiting for one console at most (each is small: its texts are capped at the source). */
export const STREAM_QUEUE_MAX = 1000;
/** Events per `activity` frame. */
const FRAME_EVENTS_MAX = 200;
const PING_MS = 15_000;
/** What the PassThrough buffers before `write` asks us to wait. */
const HIGH_WATER_BYTES = 64 * 1024;

export class ConsoleStream {
  readonly output = new PassThrough({ highWaterMark: HIGH_WATER_BYTES });
  private queue: ActivityEvent[] = [];
  private droppedSource = 0;
  private droppedConsole = 0;
  private waitingForDrain = false;
  private ended = false;
  private readonly ping: NodeJS.Timeout;

  constructor(
    readonly appId: string,
    hello: Extract<ActivityFrame, { type: 'hello' }>,
    /** Called once when the stream ends, whoever ends it. */
    private readonly onEnd: () => void,
  ) {
    this.write(hello);
    this.output.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    this.output.on('close', () => this.finish());
    this.ping = setInterval(() => this.write({ type: 'ping', at: Date.now() }), PING_MS);
    this.ping.unref();
  }

  /** A batch of some node's activity of this app. */
  push(batch: ActivityBatch): void {
    if (this.ended) return;
    this.droppedSource += batch.dropped;
    const room = STREAM_QUEUE_MAX - this.queue.length;
    if (batch.events.length > room) this.droppedConsole += batch.events.length - room;
    for (let i = 0; i < batch.events.length && i < room; i++) this.queue.push(batch.events[i]!);
    this.pump();
  }

  /** Ends the stream with a reason the console shows. */
  end(reason: string): void {
    if (this.ended) return;
    this.write({ type: 'end', reason });
    this.output.end();
    this.finish();
  }

  private pump(): void {
    while (!this.waitingForDrain && !this.ended && (this.queue.length > 0 || this.droppedSource > 0 || this.droppedConsole > 0)) {
      const events = this.queue.splice(0, FRAME_EVENTS_MAX);
      const frame: ActivityFrame = { type: 'activity', events, dropped: { source: this.droppedSource, console: this.droppedConsole } };
      this.droppedSource = 0;
      this.droppedConsole = 0;
      if (!this.write(frame)) this.waitingForDrain = true;
    }
  }

  private write(frame: ActivityFrame): boolean {
    if (this.ended || this.output.writableEnded) return false;
    return this.output.write(`${JSON.stringify(frame)}\n`);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.ping);
    this.queue = [];
    this.onEnd();
  }
}
