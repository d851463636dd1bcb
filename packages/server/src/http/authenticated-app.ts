/**
 * The app a request authenticated as: the one place it is kept. Each API family's auth hook records it
 * once the credentials checked out (RTCS api key, chat APP_ID + APP_API_KEY, chat sdk token); handlers
 * read it back, and the per-app rate limit (rate-limit.ts) charges only requests recorded here, so a
 * forged `APP_ID` spends no one's budget.
 */
import type { FastifyRequest } from 'fastify';
import type { App } from '../apps/app.service.ts';

const apps = new WeakMap<FastifyRequest, App>();

/** Called by an auth hook after the request's credentials verified for `app`. */
export function recordAuthenticatedApp(req: FastifyRequest, app: App): void {
  apps.set(req, app);
}

/** The app the request authenticated as, or undefined when it did not (yet). */
export function authenticatedApp(req: FastifyRequest): App | undefined {
  return apps.get(req);
}
