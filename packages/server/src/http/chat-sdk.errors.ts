/**
 * Errors of the client API (`/v1/sdk`): the chat API's envelope `{status, timestamp, path, message,
 * code}` and code table (DESIGN.md). Errors from the chat layer that carry `status` and `code` pass
 * through; anything else is a 9999 that never leaks internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { describeValidation } from './validation.ts';

export class SdkApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const unauthorized = (message = 'unauthorized'): SdkApiError => new SdkApiError(401, 4001, message);
export const unknownApp = (): SdkApiError => new SdkApiError(401, 4003, 'unknown application');
export const invalid = (message: string): SdkApiError => new SdkApiError(400, 1001, message);

function coded(err: unknown): { status: number; code: number; message: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; code?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined || typeof e.code !== 'number' || typeof e.message !== 'string') return undefined;
  return { status, code: e.code, message: e.message };
}

export function sendSdkError(req: FastifyRequest, reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply.code(status).send({ status, timestamp: Date.now(), path: req.url.split('?')[0], message, code });
}

export function sdkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = coded(err);
  if (known) return sendSdkError(req, reply, known.status, known.code, known.message);
  if (err.validation) return sendSdkError(req, reply, 400, 1001, describeValidation(err.validation, err.validationContext));
  if (err.statusCode === 429) return sendSdkError(req, reply, 429, 9001, 'too many requests');
  if (err.statusCode === 413 || err.code === 'FST_REQ_FILE_TOO_LARGE') return sendSdkError(req, reply, 400, 1012, 'file size limit exceeded');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return sendSdkError(req, reply, 400, 1001, err.message);
  req.log.error({ err }, 'client API request failed');
  return sendSdkError(req, reply, 500, 9999, 'unknown server error');
}
