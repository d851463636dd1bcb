/**
 * REST rate limits: one limiter (@fastify/rate-limit's store, local or Redis) with two budgets per
 * second. The client-IP budget is charged first, before anything else runs; the app budget only for
 * requests that authenticated as that app (authenticated-app.ts), charged after the route plugins' auth
 * hooks and before the body is read. Each budget is its own limiter function, so neither can skip the
 * other. In cluster mode the counters live in Redis under the cluster's prefix. Over budget → 429 with
 * `Retry-After`; each API family's error handler turns it into its envelope (RTCS `{code: 429}`, chat
 * code 9001).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { redisKeys } from '../cluster/redis-keys.ts';
import { authenticatedApp } from './authenticated-app.ts';

export interface RateLimitSettings {
  /** Requests per second per client IP; 0 turns the limit off. */
  perIpPerSecond: number;
  /** Authenticated requests per second per app (any IP); 0 turns the limit off. */
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

type Budget = ReturnType<FastifyInstance['createRateLimit']>;

/** Counts the request against `budget`; throws RateLimitedError (and sets Retry-After) when it is spent. */
async function charge(budget: Budget, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const result = await budget(req);
  if (result.isAllowed || !result.isExceeded) return;
  const retryAfterS = Math.max(1, result.ttlInSeconds);
  void reply.header('retry-after', retryAfterS);
  throw new RateLimitedError(retryAfterS);
}

export async function registerRateLimits(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  const { perIpPerSecond, perAppPerSecond } = settings;
  if (perIpPerSecond <= 0 && perAppPerSecond <= 0) return;
  await app.register(rateLimit, {
    global: false,
    timeWindow: 1000,
    redis: settings.redis,
    nameSpace: settings.nameSpace ?? redisKeys().rateLimit,
    // A Redis outage must not take the API down with it: limits pause, requests pass.
    skipOnError: true,
  });
  if (perIpPerSecond > 0) {
    // req.ip is the client address under TRUST_PROXY (Fastify's trustProxy is set to the same list).
    const perIp = app.createRateLimit({ max: perIpPerSecond, keyGenerator: (req) => `ip:${req.ip}` });
    app.addHook('onRequest', async (req, reply) => {
      if (!UNLIMITED.has(req.url.split('?')[0] ?? '')) await charge(perIp, req, reply);
    });
  }
  if (perAppPerSecond > 0) {
    const perApp = app.createRateLimit({ max: perAppPerSecond, keyGenerator: (req) => `app:${authenticatedApp(req)?.id ?? ''}` });
    // preParsing runs after every onRequest hook, the route plugins' authentication included.
    app.addHook('preParsing', async (req, reply) => {
      if (authenticatedApp(req) !== undefined) await charge(perApp, req, reply);
    });
  }
}
