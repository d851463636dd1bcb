/**
 * The app a request authenticated as. Each API family's auth hook records it once the credentials
 * checked out (RTCS api key, chat APP_ID + APP_API_KEY, chat sdk token); the per-app rate limit
 * (rate-limit.ts) charges only requests recorded here, so a forged `APP_ID` spends no one's budget.
 */
import type { FastifyRequest } from 'fastify';

const apps = new WeakMap<FastifyRequest, string>();

/** Called by an auth hook after the request's credentials verified for `appId`. */
export function recordAuthenticatedApp(req: FastifyRequest, appId: string): void {
  apps.set(req, appId);
}

/** The app id the request authenticated as, or undefined when it did not (yet). */
export function authenticatedApp(req: FastifyRequest): string | undefined {
  return apps.get(req);
}
