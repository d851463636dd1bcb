/**
 * METRICS_TOKEN: when set, the operator's pages — `/metrics`, `/docs` (with its assets),
 * `/openapi.json` and `/asyncapi.json` — need `Authorization: Bearer <token>`; `/health` and `/ready` stay open for probes.
 * Matched on the route a request was routed to, so URL spellings cannot step around it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeEqual } from '../secrets.ts';
import { sendRtcsError } from './rtcs.routes.ts';

const isOpsRoute = (route: string | undefined): boolean =>
  route !== undefined && (route === '/metrics' || route === '/openapi.json' || route === '/asyncapi.json' || route === '/docs' || route.startsWith('/docs/'));

function hasToken(req: FastifyRequest, token: string): boolean {
  const given = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return given !== undefined && safeEqual(given, token);
}

/** Installs the guard; `token` undefined leaves the pages open. */
export function guardOpsRoutes(app: FastifyInstance, token: string | undefined): void {
  if (token === undefined) return;
  app.addHook('onRequest', async (req, reply) => {
    if (!isOpsRoute(req.routeOptions.url) || hasToken(req, token)) return;
    void reply.header('www-authenticate', 'Bearer');
    sendRtcsError(reply, 401, 'unauthorized: this page needs Authorization: Bearer <METRICS_TOKEN>');
    return reply;
  });
}
