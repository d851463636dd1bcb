/**
 * Request ids and request logging of the HTTP API. A request's id is its `x-request-id` header when that
 * is a plain token of at most 128 characters (what a proxy such as nginx's `$request_id` sends), else a
 * new UUID; the response carries it back, and every line logged while the request is handled has it
 * as `reqId`. With LOG_REQUESTS=true each request also gets one line when it completes.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { requestChildLogger, withRequestId } from '../logger.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** One line per request, when it completes (Fastify's default is two, one before anything is known). */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request failed');
    else reply.log.info(line, 'request completed');
  }
}

/** Fastify options for ids and request logging (`logRequests`: LOG_REQUESTS). */
export function requestLogOptions(logRequests: boolean) {
  return {
    // Off: per-request lines would cost on hot paths; handlers still log their errors.
    logController: new RequestLog({ disableRequestLogging: !logRequests }),
    requestIdHeader: false as const,
    genReqId: (req: IncomingMessage): string => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    childLoggerFactory: (logger: FastifyBaseLogger, bindings: Record<string, unknown>, options: object): FastifyBaseLogger =>
      requestChildLogger(logger as Logger, bindings, options) as FastifyBaseLogger,
  };
}

/** Sends each request's id back, and gives it to every line logged while the request is handled. */
export function tagRequests(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    withRequestId(req.id, done);
  });
}
