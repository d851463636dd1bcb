/**
 * The Fastify instance: CORS, strict validation, draining, and every route family, each with its own
 * error envelope; and its Node HTTP server's timeouts and per-IP connection cap, which socket.io and
 * the 0.9 handler, attached to the same server afterwards (see server.ts), share.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { adminRoutes, type AdminRoutesDeps } from '../admin/admin.routes.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { TrustProxy } from '../realtime/client-ip.ts';
import { CHAT_ERROR_CODES, PUSH_TOKEN_LIMITS } from '@parley/protocol';
import { chatRoutes, sendChatError, type ChatRoutesDeps } from './chat.routes.ts';
import { registerApiDocs } from './api-docs.ts';
import { capConnectionsPerIp } from './connection-limit.ts';
import { devRoutes, type DevRoutesDeps } from './dev.routes.ts';
import { healthRoutes, type HealthDeps } from './health.routes.ts';
import { metricsRoutes, observeHttp } from './metrics.routes.ts';
import { guardOpsRoutes } from './ops-access.ts';
import { registerRateLimits, type RateLimitSettings } from './rate-limit.ts';
import { requestLogOptions, tagRequests } from './request-log.ts';
import { rtcsRoutes, sendRtcsError, type RtcsRoutesDeps } from './rtcs.routes.ts';
import { staticRoutes } from './static.routes.ts';
import { validatorCompiler } from './validation.ts';

const MAX_PARAM_LENGTH = PUSH_TOKEN_LIMITS.tokenMaxChars * 3;

export interface HttpDeps {
  log: Logger;
  /** LOG_REQUESTS: one log line per request. */
  logRequests: boolean;
  corsOrigins: '*' | string[];
  /** TRUST_PROXY: Fastify's `req.ip` reads X-Forwarded-For from the same hops as clientAddress(). */
  trustProxy: TrustProxy;
  /** Largest request body (routes with their own limit, like the RTCS publish, override it). */
  bodyLimit: number;
  rtcs: RtcsRoutesDeps;
  chat: ChatRoutesDeps;
  /** The operator console's API (`/admin/api`, admin/admin.routes.ts). */
  admin: AdminRoutesDeps;
  health: HealthDeps;
  metrics: Metrics;
  rateLimits: RateLimitSettings;
  connections: ConnectionSettings;
  /** METRICS_TOKEN: when set, guards /metrics, /docs, /openapi.json and /asyncapi.json (ops-access.ts). */
  metricsToken?: string;
  /** Set when the demo app was generated: `POST /dev/token` issues tokens for it (dev.routes.ts). */
  devTokens?: DevRoutesDeps;
}

/** What the Node server allows one connection (README, "Limits"). */
export interface ConnectionSettings {
  /** A request's headers, and the whole request, must arrive within these, else 408. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Concurrent TCP connections per client IP (trusted proxies exempt); 0 = no cap. */
  perIpMax: number;
}

export interface RouteInfo {
  method: string;
  url: string;
  /** Left out of the OpenAPI document on purpose (the document itself). */
  hidden: boolean;
  /** The route validates a request body with a schema. */
  bodySchema: boolean;
}

const routesByApp = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route registered on an instance built by buildHttp (for the OpenAPI completeness test). */
export function registeredRoutes(app: FastifyInstance): readonly RouteInfo[] {
  return routesByApp.get(app) ?? [];
}

/** Answers Node's parser refusals and timeouts with, unlike its own, a JSON body. */
const CLIENT_ERRORS: Record<string, { status: number; reason: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', message: 'request headers or URL too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', message: 'request timeout: the request did not arrive in time' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', message: 'malformed HTTP request' };

/** Paths that keep answering while draining, so that orchestrators can watch the shutdown. */
const ALWAYS_SERVED = new Set(['/health', '/ready', '/metrics']);

export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    ...requestLogOptions(deps.logRequests),
    bodyLimit: deps.bodyLimit,
    trustProxy: typeof deps.trustProxy === 'boolean' ? deps.trustProxy : [...deps.trustProxy],
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Ids may have up to 128 characters and the schemas allow CHAT_LIMITS.pathParamMax; the router's
    // default of 100 made long ids unreachable in paths. Push tokens (up to 4096 characters,
    // percent-encoded) are the longest parameter, so the router takes those and each route's schema
    // bounds its own; longer ones reach frameworkErrors below.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // URLs the router cannot take (undecodable %-escapes, over-long parameters) answer in the envelope
    // of the API family they were meant for, not in Fastify's own shape.
    frameworkErrors: (err, req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      const message = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters` : 'the URL path is not valid percent-encoding';
      if (path === '/v1' || path.startsWith('/v1/')) sendChatError(reply, 400, CHAT_ERROR_CODES.invalidParameter, message, path);
      else sendRtcsError(reply, err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400, message);
    },
    // Requests Node's parser refuses (headers or URL too large, malformed) or that did not arrive within
    // the timeouts still get a JSON envelope; then the connection is closed, also for a peer that never
    // closes its side.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      // As Node itself: never write into a response that has already started on this connection.
      const inFlight = (socket as typeof socket & { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
      if (!socket.writable || inFlight?.headersSent) return socket.destroy();
      const { status, reason, message } = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
      const body = JSON.stringify({ code: status, message });
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
    },
    // Slow headers and bodies are cut (408 above). Long polls are not: their requests are complete, only
    // the responses wait. No idle socket timeout (connectionTimeout): websockets and polls have heartbeats.
    requestTimeout: deps.connections.requestTimeoutMs,
    keepAliveTimeout: deps.connections.keepAliveTimeoutMs,
    http: {
      requestTimeout: deps.connections.requestTimeoutMs,
      headersTimeout: deps.connections.headersTimeoutMs,
      // Node checks the timeouts every 30 s by default: too coarse for a timeout of a few seconds.
      connectionsCheckingInterval: Math.min(5000, Math.max(250, Math.floor(deps.connections.headersTimeoutMs / 4))),
    },
  });
  capConnectionsPerIp(app.server, deps.connections.perIpMax, deps.trustProxy);
  tagRequests(app);
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document and type the answers (api-components.ts); they are sent as the handlers
  // built them, as before the routes had them, never trimmed or coerced to the schema.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const routes: RouteInfo[] = [];
  routesByApp.set(app, routes);
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    const bodySchema = route.schema?.body !== undefined;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden, bodySchema });
  });

  await app.register(cors, {
    origin: deps.corsOrigins === '*' ? true : deps.corsOrigins,
    credentials: true,
    // @fastify/cors allows only GET, HEAD and POST by default; the chat API (and the seed's STEP 5) uses PUT and DELETE.
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['content-type', 'x-nhn-apikey', 'app_id', 'app_api_key', 'user_id', 'authorization', 'x-request-id'],
  });

  await registerRateLimits(app, deps.rateLimits);

  // While draining, every response closes its connection, so keep-alive clients reconnect elsewhere.
  app.addHook('onSend', async (_req, reply) => {
    if (deps.health.isDraining()) reply.header('connection', 'close');
  });
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (!deps.health.isDraining() || ALWAYS_SERVED.has(path)) return;
    reply.header('connection', 'close');
    // Each API family answers in its own envelope.
    if (path === '/v1' || path.startsWith('/v1/')) sendChatError(reply, 503, CHAT_ERROR_CODES.unknown, 'server is shutting down', path);
    else sendRtcsError(reply, 503, 'server is shutting down');
    return reply;
  });

  guardOpsRoutes(app, deps.metricsToken);
  await registerApiDocs(app);

  observeHttp(app, deps.metrics);
  await app.register(healthRoutes, deps.health);
  await app.register(metricsRoutes, deps.metrics);
  await app.register(async (scope) => rtcsRoutes(scope, deps.rtcs));
  await app.register(async (scope) => rtcsRoutes(scope, deps.rtcs), { prefix: '/tc-pusher' });
  await app.register(async (scope) => chatRoutes(scope, deps.chat), { prefix: '/v1' });
  await app.register(async (scope) => adminRoutes(scope, deps.admin), { prefix: '/admin/api' });
  await app.register(async (scope) => staticRoutes(scope));
  const devTokens = deps.devTokens;
  if (devTokens) await app.register(async (scope) => devRoutes(scope, devTokens));
  return app;
}
