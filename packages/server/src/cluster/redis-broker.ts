/**
 * Cluster broker over Redis pub/sub. Every publication, including this node's own, travels through
 * Redis, so all nodes see the publications of one channel in the same order. Publishing fails fast
 * while Redis is unreachable (no offline queue): the API answers 503 instead of hanging.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BrokerUnavailableError, type Broker, type Publication } from '../realtime/broker.ts';
import type { RedisKeys } from './redis-keys.ts';

export class RedisBroker implements Broker {
  private handler: (p: Publication) => void = () => {};

  constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly log: Logger,
    private readonly keys: RedisKeys,
  ) {}

  /** Subscribes to every app's publication channel; resolves once Redis confirmed it. */
  async start(): Promise<void> {
    this.sub.on('pmessage', (_pattern: string, _channel: string, message: string) => {
      let p: Publication;
      try {
        p = JSON.parse(message) as Publication;
      } catch (err) {
        this.log.error({ err }, 'unreadable publication on the cluster bus');
        return;
      }
      this.handler(p);
    });
    await this.sub.psubscribe(this.keys.publicationsPattern);
  }

  onPublication(handler: (p: Publication) => void): void {
    this.handler = handler;
  }

  async publish(p: Publication): Promise<void> {
    try {
      await this.pub.publish(this.keys.publications(p.appId), JSON.stringify(p));
    } catch (err) {
      throw new BrokerUnavailableError(`cluster bus unavailable: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.sub.punsubscribe().catch(() => undefined);
  }
}
