/**
 * File sends as multipart/form-data (both chat APIs): the plugin's settings, reading the fields before
 * the file part, and the errors of a body that is not what a send needs. The file itself is streamed
 * to the store by the message service, which decides when to read the upload (chat/message.service.ts).
 */
import type { FastifyMultipartOptions } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ChatError, invalid } from '../chat/errors.ts';
import type { FileInput, TextInput } from '../chat/message.service.ts';
import { fieldWithNul } from './validation.ts';

/** What one multipart send may hold: one file, and before it at most this many fields (type, user_id, meta, content …). */
const MULTIPART_FIELDS_MAX = 10;

/** @fastify/multipart's settings of the chat API's message routes. */
export function multipartOptions(fileMaxBytes: number): FastifyMultipartOptions {
  return {
    limits: { fileSize: fileMaxBytes, files: 1, fields: MULTIPART_FIELDS_MAX, fieldSize: 64 * 1024, parts: MULTIPART_FIELDS_MAX + 2 },
    throwFileSizeLimit: true,
  };
}

/**
 * The plugin's count limits answer 413; they are a malformed send (1001) that says which count was
 * exceeded, not "too large".
 */
export function multipartLimitError(code: string | undefined): ChatError | undefined {
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return invalid(`multipart: at most ${MULTIPART_FIELDS_MAX} fields before the file`);
  if (code === 'FST_FILES_LIMIT') return invalid('file: one file per message');
  return undefined;
}

/**
 * The JSON side of a send: its route has no body schema (it takes multipart too), so the message
 * service checks every field; a body that is not an object (`null`, a string, a number) has none.
 */
export function textInputOf(body: unknown): TextInput {
  return typeof body === 'object' && body !== null ? body : {};
}

/** Reads a multipart send: the fields before the file part, then hands over the file's stream. */
async function fileInput(req: FastifyRequest): Promise<FileInput> {
  let part: Awaited<ReturnType<FastifyRequest['file']>>;
  try {
    part = await req.file();
  } catch (err) {
    throw malformedMultipart(err);
  }
  if (!part) throw invalid('file is required');
  const field = (name: string): string | undefined => {
    const f = part.fields[name];
    const one = Array.isArray(f) ? f[0] : f;
    return one && one.type === 'field' && typeof one.value === 'string' ? one.value : undefined;
  };
  if ((field('type') ?? 'file') !== 'file') throw invalid('type must be "file" in a multipart send');
  let meta: unknown;
  const rawMeta = field('meta');
  if (rawMeta !== undefined) {
    try {
      meta = JSON.parse(rawMeta);
    } catch {
      throw invalid('meta must be a JSON object of strings');
    }
  }
  // The JSON sends are checked by the preValidation hook; multipart fields never pass through it.
  const nul = fieldWithNul({ content: field('content'), meta, filename: part.filename }, '');
  if (nul !== undefined) throw invalid(`${nul.slice(1).replaceAll('\u0000', '\\0')} must not contain NUL characters`);
  return {
    user_id: field('user_id') ?? '',
    content: field('content'),
    meta,
    mentioned_user_ids: jsonField(field('mentioned_user_ids'), 'mentioned_user_ids must be a JSON array of user ids'),
    parent_message_id: numberField(field('parent_message_id')),
    filename: part.filename,
    mimetype: part.mimetype,
    stream: part.file,
    truncated: () => part.file.truncated,
  };
}

/** A JSON field of the form (checked further by the service). */
function jsonField(raw: string | undefined, refusal: string): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalid(refusal);
  }
}

/** An integer field of the form; anything else is handed on as text, for the service to refuse by name. */
function numberField(raw: string | undefined): unknown {
  return raw !== undefined && /^[0-9]{1,16}$/.test(raw) ? Number(raw) : raw;
}

/**
 * Busboy fails with bare Errors on a body it cannot read (no boundary, data cut short, bad part
 * headers): that is the client's malformed request, not a server error. The plugin's own limits carry a
 * 4xx statusCode and keep their meaning in the error handler.
 */
function malformedMultipart(err: unknown): unknown {
  if (err instanceof ChatError) return err;
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  return invalid('file: malformed multipart/form-data body');
}

/**
 * Hands `send` the reader of the request's upload (it reads the fields when called, so a send may
 * refuse before the body is read at all); a failure of the upload stream itself is the client's.
 */
export async function withUpload<T>(req: FastifyRequest, send: (read: () => Promise<FileInput>) => Promise<T>): Promise<T> {
  let input: FileInput | undefined;
  try {
    return await send(async () => (input = await fileInput(req)));
  } catch (err) {
    throw input?.stream.errored ? malformedMultipart(err) : err;
  }
}
