import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { ADMIN_BUS } from '../realtime/activity.ts';
import { isControl, MemoryBroker, type BrokerMessage, type Publication } from '../realtime/broker.ts';
import { ActivityFeed, SAMPLE_RATE_PER_S } from './activity-feed.ts';
import { ConsoleBus, type ActivityBatch } from './console-bus.ts';
import { ConsoleStreams } from './console-streams.ts';

/** The in-memory broker, recording what goes through it; its handler is the node's, as RealtimeNode wires it. */
class RecordingBroker extends MemoryBroker {
  readonly sent: BrokerMessage[] = [];
  override async publish(m: BrokerMessage): Promise<void> {
    this.sent.push(m);
    await super.publish(m);
  }
}

function setUp() {
  const broker = new RecordingBroker();
  const bus = new ConsoleBus(broker, 'node-1', silentLogger());
  const feed = new ActivityFeed(bus, 'node-1');
  broker.onMessage((m) => {
    if (!isControl(m) && m.appId === ADMIN_BUS) feed.received(m);
  });
  return { broker, bus, feed, streams: new ConsoleStreams(bus, 'node-1') };
}

const activityOf = (sent: BrokerMessage[]): Publication[] => sent.filter((m): m is Publication => !isControl(m) && m.event === 'activity');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ActivityFeed', () => {
  it('sends nothing for an app nobody watches, however busy it is', async () => {
    const { broker, bus, feed } = setUp();
    await bus.start();
    for (let i = 0; i < 10_000; i++) feed.published('app', ['c'], 'e', { i });
    await pause(250);
    expect(activityOf(broker.sent)).toEqual([]);
    // Only the start-up question "who watches?" went out.
    expect(broker.sent.map((m) => !isControl(m) && m.event)).toEqual(['watch']);
    bus.close();
  });

  it('samples a watched app to SAMPLE_RATE_PER_S, counts the rest, and stops when the last console closes', async () => {
    const { broker, bus, feed, streams } = setUp();
    await bus.start();
    const stream = await streams.open('app');
    expect(feed.watching('app')).toBe(true);
    expect(feed.watching('other')).toBe(false);
    const N = 5000;
    for (let i = 0; i < N; i++) feed.published('app', ['c'], 'e', { i });
    feed.published('other', ['c'], 'e', {});
    await pause(250);
    const batches = activityOf(broker.sent).map((m) => m.payload.args[0] as ActivityBatch);
    const events = batches.reduce((n, b) => n + b.events.length, 0);
    const dropped = batches.reduce((n, b) => n + b.dropped, 0);
    expect(events + dropped).toBe(N);
    expect(events).toBeLessThanOrEqual(SAMPLE_RATE_PER_S + 100);
    expect(activityOf(broker.sent).every((m) => m.channels[0] === '#debug:app')).toBe(true);
    stream.end('closed');
    expect(feed.watching('app')).toBe(false);
    bus.close();
  });
});
