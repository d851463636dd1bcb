/**
 * The RTCS Service API under `/v2` and `/exists`, mounted both at the root and under `/tc-pusher/` so
 * that existing integrations only change their base URL. Handlers validate, authenticate the app by
 * `x-nhn-apikey`, then call the realtime node. Errors are `{code, message}` with code = HTTP status.
 */
import {
  AccessRequest,
  AppParams,
  ChannelQuery,
  channelNameProblem,
  isMemberListed,
  PUBLISH_DATA_LIMIT_TEXT,
  PublishRequest,
  RESERVED_EVENT_NAMES,
  RTCS_LIMITS,
  type AccessGrant,
  type RtcsErrorBody,
} from '@parley/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppService } from '../apps/app.service.ts';
import { signAccessUrl } from '../realtime/access-url.ts';
import { BrokerUnavailableError } from '../realtime/broker.ts';
import type { RealtimeNode } from '../realtime/node.ts';
import { withExample, answer, RTCS_ERRORS, SECURITY } from './api-components.ts';
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

export class RtcsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOO_LARGE = `request entity too large: data must be smaller than ${PUBLISH_DATA_LIMIT_TEXT}`;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function checkChannel(name: string, field: string): void {
  const problem = channelNameProblem(name);
  if (problem) throw new RtcsError(400, `${field}: ${problem}`);
}

export async function rtcsRoutes(scope: FastifyInstance, deps: RtcsRoutesDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; validationContext?: string }, _req, reply) => {
    let body: RtcsErrorBody;
    if (err instanceof RtcsError) body = { code: err.status, message: err.message };
    else if (err instanceof BrokerUnavailableError) body = { code: 503, message: 'service temporarily unavailable: the cluster bus is down' };
    else if (err.validation) {
      body = { code: 400, message: describeValidation(err.validation as Parameters<typeof describeValidation>[0], err.validationContext) };
    } else if (err.statusCode === 413) body = { code: 413, message: TOO_LARGE };
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

  const doc = { tags: ['rtcs'], security: SECURITY.rtcs };
  const occupiedExample = { occupied: true };

  app.post(
    '/v2/auth/:appkey/access',
    {
      schema: {
        ...doc,
        summary: 'Signed connection URL, for io(url) (channels granted here are joined at connect)',
        params: AppParams,
        body: withExample(AccessRequest, { user: 'alice', channels: ['presence_room1'], via: 'browser' }),
        response: {
          200: answer('AccessResponse', { url: 'http://127.0.0.1:8080/socket.io/1/?app=demo&ts=1767225600&s=5d41…&d=eyJ1c2VyIjoiYWxpY2UifQ&t=1767225600000', app: 'demo' }),
          ...RTCS_ERRORS,
        },
      },
    },
    async (req) => {
      const found = await authenticate(req);
      const { user, channels = [], via = RTCS_LIMITS.viaDefault } = req.body;
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

  app.post(
    '/v2/event/:appkey/channel',
    {
      bodyLimit: RTCS_BODY_LIMIT,
      schema: {
        ...doc,
        summary: 'Publish an event to channels',
        params: AppParams,
        body: withExample(PublishRequest, { channels: ['room1', 'presence_room1'], event: 'chat', data: { text: 'hello' } }),
        response: { 200: answer('PublishResponse', { accepted: 'node-1a2b3c', app: 'demo' }), ...RTCS_ERRORS },
      },
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
      if (nestedDeeperThan(data, RTCS_LIMITS.publishDataMaxDepth)) throw new RtcsError(400, `data must not nest objects and arrays deeper than ${RTCS_LIMITS.publishDataMaxDepth} levels`);
      // Measured as JSON, and that JSON is what the node publishes: the data is serialised once.
      const json = typeof data === 'string' ? undefined : JSON.stringify(data);
      if (bytes(json ?? (data as string)) >= RTCS_LIMITS.publishDataMaxBytes) throw new RtcsError(413, TOO_LARGE);
      await deps.node.publish(found.id, [...new Set(channels)], event, data, json);
      return { accepted: deps.node.nodeId, app: found.id };
    },
  );

  app.get(
    '/exists/:appkey',
    {
      schema: { ...doc, summary: 'Whether a channel has subscribers', params: AppParams, querystring: ChannelQuery, response: { 200: answer('ExistsResponse', occupiedExample), ...RTCS_ERRORS } },
    },
    async (req) => {
      const found = await authenticate(req);
      checkChannel(req.query.channel, 'channel');
      return { occupied: await deps.node.occupied(found.id, req.query.channel) };
    },
  );

  async function listedChannel(req: FastifyRequest, channel: string) {
    const found = await authenticate(req);
    checkChannel(channel, 'channel');
    if (!isMemberListed(channel)) throw new RtcsError(400, 'channel: only presence_ and member_ channels can be queried');
    return found;
  }

  app.get(
    '/v2/channel/:appkey/sessions',
    {
      schema: {
        ...doc,
        summary: 'Sessions of a presence_/member_ channel',
        params: AppParams,
        querystring: ChannelQuery,
        response: { 200: answer('MemberMap', { 'Zk3q9vJ2c1YH0m8XbA7pLw': 'alice' }), ...RTCS_ERRORS },
      },
    },
    async (req) => {
      const found = await listedChannel(req, req.query.channel);
      return deps.node.members(found.id, req.query.channel);
    },
  );

  app.get(
    '/v2/channel/:appkey/count',
    {
      schema: { ...doc, summary: 'Session count of a presence_/member_ channel', params: AppParams, querystring: ChannelQuery, response: { 200: answer('CountResponse', { count: 2 }), ...RTCS_ERRORS } },
    },
    async (req) => {
      const found = await listedChannel(req, req.query.channel);
      return { count: await deps.node.count(found.id, req.query.channel) };
    },
  );
}

/** Sends the RTCS error envelope outside a route (e.g. 503 while draining). */
export function sendRtcsError(reply: FastifyReply, status: number, message: string): void {
  void reply.code(status).send({ code: status, message } satisfies RtcsErrorBody);
}
