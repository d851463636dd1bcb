/**
 * REST rate limits through @fastify/rate-limit: one budget per client IP and one per app, each per
 * second, shared across nodes through Redis in cluster mode. Over budget → 429 with `Retry-After`; each
 * API family's error handler turns it into its envelope (RTCS `{code: 429}`, chat code 9001).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { redisKeys } from '../cluster/redis-keys.ts';

export interface RateLimitSettings {
  /** Requests per second per client IP; 0 turns the limit off. */
  perIpPerSecond: number;
  /** Requests per second per app (any IP); 0 turns the limit off. */
  perAppPerSecond: number;
  /** Shared counter store in cluster mode. */
  redis?: Redis;
  /** Key prefix of the counters in Redis (the cluster's REDIS_PREFIX). */
  nameSpace?: string;
}

/** Paths never limited: probes and scrapes must work when everything else is throttled. */
const UNLIMITED = new Set(['/health', '/ready', '/metrics']);

export class RateLimitedError extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterS: number) {
    super(`too many requests: retry in ${retryAfterS} s`);
  }
}

/** The app a request acts for: the chat APIs' APP_ID header, or the RTCS path's `{appkey}`. */
function appOf(req: FastifyRequest): string | undefined {
  const header = req.headers['app_id'];
  if (typeof header === 'string' && header !== '') return header;
  const appkey = (req.params as { appkey?: unknown } | undefined)?.appkey;
  return typeof appkey === 'string' ? appkey : undefined;
}

export async function registerRateLimits(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  if (settings.perIpPerSecond <= 0 && settings.perAppPerSecond <= 0) return;
  await app.register(rateLimit, {
    global: false,
    timeWindow: 1000,
    redis: settings.redis,
    nameSpace: settings.nameSpace ?? redisKeys().rateLimit,
    // A Redis outage must not take the API down with it: limits pause, requests pass.
    skipOnError: true,
    errorResponseBuilder: (_req, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const skip = (req: FastifyRequest) => UNLIMITED.has(req.url.split('?')[0] ?? '');
  if (settings.perIpPerSecond > 0) {
    app.addHook('onRequest', app.rateLimit({ max: settings.perIpPerSecond, keyGenerator: (req) => `ip:${req.ip}`, allowList: (req) => skip(req) }));
  }
  if (settings.perAppPerSecond > 0) {
    app.addHook(
      'onRequest',
      app.rateLimit({ max: settings.perAppPerSecond, keyGenerator: (req) => `app:${appOf(req) ?? ''}`, allowList: (req) => skip(req) || appOf(req) === undefined }),
    );
  }
}
