/**
 * The RTCS Service API under `/v2` and `/exists`, mounted both at the root and under `/tc-pusher/` so
 * that existing integrations only change their base URL. Handlers validate, authenticate the app by
 * `x-nhn-apikey`, then call the realtime node. Errors are `{code, message}` with code = HTTP status.
 */
import {
  channelNameProblem,
  isMemberListed,
  RESERVED_EVENT_NAMES,
  RTCS_LIMITS,
  type AccessGrant,
  type RtcsErrorBody,
} from '@parley/protocol';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppService } from '../apps/app.service.ts';
import { signAccessUrl } from '../realtime/access-url.ts';
import { BrokerUnavailableError } from '../realtime/broker.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import { authenticatedApp, recordAuthenticatedApp } from './authenticated-app.ts';
import { nestedDeeperThan } from './json-depth.ts';
import { describeValidation } from './validation.ts';

export interface RtcsRoutesDeps {
  apps: AppService;
  node: RealtimeNode;
  publicUrl: string;
}

/** Bodies may be a little over the 1 MB data limit so that an oversized `data` gets our own 413. */
const RTCS_BODY_LIMIT = 2 * RTCS_LIMITS.publishDataMaxBytes + 64 * 1024;

/** Deepest nesting of objects and arrays a publish's `data` may have. */
export const PUBLISH_DATA_MAX_DEPTH = 64;

export class RtcsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const AppParams = Type.Object({ appkey: Type.String({ maxLength: 64 }) });
const ChannelQuery = Type.Object({ channel: Type.String() });

const AccessBody = Type.Object({
  user: Type.String(),
  channels: Type.Optional(Type.Array(Type.String())),
  via: Type.Optional(Type.String()),
});
const AccessResponse = Type.Object({ url: Type.String(), app: Type.String() });

const PublishBody = Type.Object({
  channels: Type.Array(Type.String()),
  event: Type.String(),
  data: Type.Union([Type.String(), Type.Object({}), Type.Array(Type.Unknown())]),
});
const PublishResponse = Type.Object({ accepted: Type.String(), app: Type.String() });
const ErrorResponse = Type.Object({ code: Type.Integer(), message: Type.String() });

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function checkChannel(name: string, field: string): void {
  const problem = channelNameProblem(name);
  if (problem) throw new RtcsError(400, `${field}: ${problem}`);
}

export async function rtcsRoutes(app: FastifyInstance, deps: RtcsRoutesDeps): Promise<void> {
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; validationContext?: string }, _req, reply) => {
    let body: RtcsErrorBody;
    if (err instanceof RtcsError) body = { code: err.status, message: err.message };
    else if (err instanceof BrokerUnavailableError) body = { code: 503, message: 'service temporarily unavailable: the cluster bus is down' };
    else if (err.validation) {
      body = { code: 400, message: describeValidation(err.validation as Parameters<typeof describeValidation>[0], err.validationContext) };
    } else if (err.statusCode === 413) body = { code: 413, message: 'request entity too large: data must be smaller than 1 MB' };
    else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) body = { code: err.statusCode === 415 ? 400 : err.statusCode, message: err.message };
    else {
      reply.log.error({ err }, 'rtcs api error');
      body = { code: 500, message: 'server error' };
    }
    void reply.code(body.code).send(body);
  });

  // Authentication runs before the body is parsed, so an unauthenticated caller learns nothing else.
  app.addHook('onRequest', async (req) => {
    const header = req.headers['x-nhn-apikey'] || req.headers['app_api_key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || key === '') throw new RtcsError(401, 'unauthorized: x-nhn-apikey header is missing');
    const appkey = (req.params as { appkey?: string }).appkey ?? '';
    const found = await deps.apps.authenticate(appkey, key);
    if (!found) throw new RtcsError(401, 'unauthorized: unknown app or wrong api key');
    recordAuthenticatedApp(req, found);
  });
  const authenticate = async (req: FastifyRequest): Promise<App> => authenticatedApp(req)!;

  const errors = { 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse, 503: ErrorResponse };

  app.post<{ Params: Static<typeof AppParams>; Body: Static<typeof AccessBody> }>(
    '/v2/auth/:appkey/access',
    { schema: { tags: ['rtcs'], summary: 'Signed connection URL', params: AppParams, body: AccessBody, response: { 200: AccessResponse, ...errors } } },
    async (req) => {
      const found = await authenticate(req);
      const { user, channels = [], via = 'browser' } = req.body;
      if (bytes(user) > RTCS_LIMITS.userMaxBytes) throw new RtcsError(400, `user must be at most ${RTCS_LIMITS.userMaxBytes} bytes`);
      if (channels.length > RTCS_LIMITS.accessChannelsMax) {
        throw new RtcsError(400, `channels: at most ${RTCS_LIMITS.accessChannelsMax} channels may be granted`);
      }
      channels.forEach((c, i) => checkChannel(c, `channels[${i}]`));
      if (via === '' || bytes(via) > RTCS_LIMITS.viaMaxBytes) throw new RtcsError(400, `via must be 1-${RTCS_LIMITS.viaMaxBytes} bytes`);
      const grant: AccessGrant = { user, channels: [...new Set(channels)], via };
      return { url: signAccessUrl(deps.publicUrl, found, grant, Date.now()), app: found.id };
    },
  );

  app.post<{ Params: Static<typeof AppParams>; Body: Static<typeof PublishBody> }>(
    '/v2/event/:appkey/channel',
    {
      bodyLimit: RTCS_BODY_LIMIT,
      schema: { tags: ['rtcs'], summary: 'Publish an event to channels', params: AppParams, body: PublishBody, response: { 200: PublishResponse, ...errors } },
    },
    async (req) => {
      const found = await authenticate(req);
      const { channels, event, data } = req.body;
      if (channels.length === 0 || channels.length > RTCS_LIMITS.publishChannelsMax) {
        throw new RtcsError(400, `channels: 1 to ${RTCS_LIMITS.publishChannelsMax} channels per publish`);
      }
      channels.forEach((c, i) => checkChannel(c, `channels[${i}]`));
      if (event === '' || bytes(event) > RTCS_LIMITS.eventNameMaxBytes) throw new RtcsError(400, `event must be 1-${RTCS_LIMITS.eventNameMaxBytes} bytes`);
      if (RESERVED_EVENT_NAMES.has(event)) throw new RtcsError(400, `event: ${event} is a reserved event name`);
      if (nestedDeeperThan(data, PUBLISH_DATA_MAX_DEPTH)) throw new RtcsError(400, `data must not nest objects and arrays deeper than ${PUBLISH_DATA_MAX_DEPTH} levels`);
      const size = typeof data === 'string' ? bytes(data) : bytes(JSON.stringify(data));
      if (size >= RTCS_LIMITS.publishDataMaxBytes) throw new RtcsError(413, 'request entity too large: data must be smaller than 1 MB');
      await deps.node.publish(found.id, [...new Set(channels)], event, data);
      return { accepted: deps.node.nodeId, app: found.id };
    },
  );

  app.get<{ Params: Static<typeof AppParams>; Querystring: Static<typeof ChannelQuery> }>(
    '/exists/:appkey',
    {
      schema: { tags: ['rtcs'], summary: 'Whether a channel has subscribers', params: AppParams, querystring: ChannelQuery, response: { 200: Type.Object({ occupied: Type.Boolean() }), ...errors } },
    },
    async (req) => {
      const found = await authenticate(req);
      checkChannel(req.query.channel, 'channel');
      return { occupied: await deps.node.occupied(found.id, req.query.channel) };
    },
  );

  async function listedChannel(req: FastifyRequest<{ Params: Static<typeof AppParams>; Querystring: Static<typeof ChannelQuery> }>) {
    const found = await authenticate(req);
    checkChannel(req.query.channel, 'channel');
    if (!isMemberListed(req.query.channel)) throw new RtcsError(400, 'channel: only presence_ and member_ channels can be queried');
    return found;
  }

  app.get<{ Params: Static<typeof AppParams>; Querystring: Static<typeof ChannelQuery> }>(
    '/v2/channel/:appkey/sessions',
    {
      schema: {
        tags: ['rtcs'],
        summary: 'Sessions of a presence_/member_ channel',
        params: AppParams,
        querystring: ChannelQuery,
        response: { 200: Type.Record(Type.String(), Type.String()), ...errors },
      },
    },
    async (req) => {
      const found = await listedChannel(req);
      return deps.node.members(found.id, req.query.channel);
    },
  );

  app.get<{ Params: Static<typeof AppParams>; Querystring: Static<typeof ChannelQuery> }>(
    '/v2/channel/:appkey/count',
    {
      schema: { tags: ['rtcs'], summary: 'Session count of a presence_/member_ channel', params: AppParams, querystring: ChannelQuery, response: { 200: Type.Object({ count: Type.Integer() }), ...errors } },
    },
    async (req) => {
      const found = await listedChannel(req);
      return { count: await deps.node.count(found.id, req.query.channel) };
    },
  );
}

/** Sends the RTCS error envelope outside a route (e.g. 503 while draining). */
export function sendRtcsError(reply: FastifyReply, status: number, message: string): void {
  void reply.code(status).send({ code: status, message } satisfies RtcsErrorBody);
}
