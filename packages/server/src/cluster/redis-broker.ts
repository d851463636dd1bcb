/**
 * Cluster broker over Redis pub/sub, one Redis channel per Parley channel: a node subscribes to the
 * channels its local sessions are in and receives nothing else, so adding nodes does not add every app's
 * traffic to every node. A message is serialised once; one for several channels is published to each of
 * them in one MULTI (so copies of two messages never interleave) and delivered once per node, the first
 * copy to arrive carrying it (its id is remembered a while). Every message, this node's own included,
 * travels through Redis, so all nodes see one channel's messages in the same order. Publishing fails
 * fast while Redis is unreachable (no offline queue): the API answers 503 instead of hanging; ioredis
 * re-subscribes by itself after a reconnect.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BrokerUnavailableError, channelsOf, isControl, type Broker, type BrokerMessage, type ControlMessage, type Publication } from '../realtime/broker.ts';
import { Payload } from '../realtime/payload.ts';
import type { RedisKeys } from './redis-keys.ts';

/** A publication on the wire: its payload as the JSON array it already is (or is made once, here). */
type WirePublication = Omit<Publication, 'payload'> & { json: string };
type WireMessage = WirePublication | ControlMessage;

function toWire(m: BrokerMessage): WireMessage {
  if (isControl(m)) return m;
  const { payload, ...rest } = m;
  return { ...rest, json: payload.json };
}

function fromWire(w: WireMessage): BrokerMessage {
  if ('control' in w) return w;
  const { json, ...rest } = w;
  return { ...rest, payload: Payload.fromJson(json) };
}

/** Ids of multi-channel messages remembered for de-duplication; their copies arrive back to back. */
const RECENT_IDS = 10_000;

export class RedisBroker implements Broker {
  private handler: (m: BrokerMessage) => void = () => {};
  private readonly recent = new Set<string>();

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly log: Logger,
    private readonly keys: RedisKeys,
    /** Counts each message received from Redis (metrics: per-node ingress). */
    private readonly received: () => void = () => {},
  ) {
    this.sub.on('message', (_channel: string, message: string) => this.receive(message));
  }

  onMessage(handler: (m: BrokerMessage) => void): void {
    this.handler = handler;
  }

  async publish(m: BrokerMessage): Promise<void> {
    const json = JSON.stringify(toWire(m));
    const channels = channelsOf(m);
    try {
      if (channels.length === 1) await this.pub.publish(this.keys.channel(m.appId, channels[0]!), json);
      else {
        const multi = this.pub.multi();
        for (const channel of channels) multi.publish(this.keys.channel(m.appId, channel), json);
        await multi.exec();
      }
    } catch (err) {
      throw new BrokerUnavailableError(`cluster bus unavailable: ${(err as Error).message}`, { cause: err });
    }
  }

  async subscribe(appId: string, channel: string): Promise<void> {
    try {
      await this.sub.subscribe(this.keys.channel(appId, channel));
    } catch (err) {
      throw new BrokerUnavailableError(`cluster bus unavailable: ${(err as Error).message}`, { cause: err });
    }
  }

  async unsubscribe(appId: string, channel: string): Promise<void> {
    // Redis down: nothing to do now, and ioredis will not re-subscribe what was unsubscribed.
    await this.sub.unsubscribe(this.keys.channel(appId, channel)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.sub.unsubscribe().catch(() => undefined);
  }

  private receive(message: string): void {
    this.received();
    let m: BrokerMessage;
    try {
      m = fromWire(JSON.parse(message) as WireMessage);
    } catch (err) {
      this.log.error({ err }, 'unreadable message on the cluster bus');
      return;
    }
    if (channelsOf(m).length > 1) {
      if (this.recent.has(m.id)) return;
      this.recent.add(m.id);
      if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    }
    this.handler(m);
  }
}
