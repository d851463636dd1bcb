/** `/v1/group/channels/{id}/messages…`: sending (JSON text or multipart file), listing, deletion, meta, receipts. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import type { FastifyMultipartOptions } from '@fastify/multipart';
import { ChatError, invalid } from '../chat/errors.ts';
import type { FileInput, TextInput } from '../chat/message.service.ts';
import { appOf } from './chat.routes.ts';
import { ChannelParams, Meta, MessageListQuery, MessageParams, MetaKeys } from './chat-schemas.ts';
import { fieldWithNul } from './validation.ts';

const UserBody = Type.Object({ user_id: Type.String() });

type P = Static<typeof ChannelParams>;
type MP = Static<typeof MessageParams>;
const tags = ['chat messages'];

/** What one multipart send may hold: one file, and before it at most this many fields (type, user_id, meta, content …). */
const MULTIPART_FIELDS_MAX = 10;

/** @fastify/multipart's settings of both APIs' message routes. */
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

/** Reads a multipart send: the fields before the file part, then the file streamed to the store. */
export async function fileInput(req: FastifyRequest): Promise<FileInput> {
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
    filename: part.filename,
    mimetype: part.mimetype,
    stream: part.file,
    truncated: () => part.file.truncated,
  };
}

/**
 * Busboy fails with bare Errors on a body it cannot read (no boundary, data cut short, bad part
 * headers): that is the client's malformed request, not a server error. The plugin's own limits carry a
 * 4xx statusCode and keep their meaning in the error handler.
 */
export function malformedMultipart(err: unknown): unknown {
  if (err instanceof ChatError) return err;
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return err;
  return invalid('file: malformed multipart/form-data body');
}

/** Reads a multipart send and hands it to `send`; a failure of the upload stream itself is the client's. */
export async function withUpload<T>(req: FastifyRequest, send: (input: FileInput) => Promise<T>): Promise<T> {
  const input = await fileInput(req);
  try {
    return await send(input);
  } catch (err) {
    throw input.stream.errored ? malformedMultipart(err) : err;
  }
}

export async function chatMessageRoutes(app: FastifyInstance, chat: Chat): Promise<void> {
  app.post<{ Params: P; Body: TextInput | undefined }>(
    '/group/channels/:channel_id/messages',
    {
      schema: {
        tags,
        summary: 'Send a message: JSON {type: "text", user_id, content, meta?}, or multipart/form-data with fields type=file, user_id, meta (JSON), then the file',
        params: ChannelParams,
      },
    },
    async (req, reply) => {
      const appId = appOf(req).id;
      const message = req.isMultipart()
        ? await withUpload(req, (input) => chat.messages.sendFile(appId, req.params.channel_id, input))
        : await chat.messages.sendText(appId, req.params.channel_id, (req.body ?? {}) as TextInput);
      reply.code(201);
      return message;
    },
  );

  app.get<{ Params: P; Querystring: Static<typeof MessageListQuery> }>(
    '/group/channels/:channel_id/messages',
    { schema: { tags, summary: 'List messages, oldest first', params: ChannelParams, querystring: MessageListQuery } },
    async (req) => chat.messages.list(appOf(req).id, req.params.channel_id, req.query),
  );

  app.delete<{ Params: MP }>('/group/channels/:channel_id/messages/:message_id', { schema: { tags, summary: 'Delete a message', params: MessageParams } }, async (req) =>
    chat.messages.delete(appOf(req).id, req.params.channel_id, req.params.message_id),
  );

  app.put<{ Params: MP; Body: { meta: Record<string, string> } }>(
    '/group/channels/:channel_id/messages/:message_id/meta',
    { schema: { tags, summary: 'Set meta keys of a message (members get group:message_update)', params: MessageParams, body: Type.Object({ meta: Meta }) } },
    async (req) => chat.messages.updateMeta(appOf(req).id, req.params.channel_id, req.params.message_id, req.body.meta),
  );

  app.delete<{ Params: MP; Body: Static<typeof MetaKeys> | undefined }>(
    '/group/channels/:channel_id/messages/:message_id/meta',
    { schema: { tags, summary: 'Remove meta keys of a message (all without `keys`)', params: MessageParams, body: MetaKeys } },
    async (req) => chat.messages.deleteMeta(appOf(req).id, req.params.channel_id, req.params.message_id, req.body?.keys),
  );

  app.put<{ Params: P; Body: Static<typeof UserBody> }>(
    '/group/channels/:channel_id/messages/read',
    { schema: { tags, summary: "Mark everything read by user_id; answers read_receipt, delivery_receipt, unread", params: ChannelParams, body: UserBody } },
    async (req) => chat.messages.receipt(appOf(req).id, req.params.channel_id, req.body.user_id, 'read'),
  );

  app.put<{ Params: P; Body: Static<typeof UserBody> }>(
    '/group/channels/:channel_id/messages/delivered',
    { schema: { tags, summary: 'Mark everything delivered to user_id', params: ChannelParams, body: UserBody } },
    async (req) => chat.messages.receipt(appOf(req).id, req.params.channel_id, req.body.user_id, 'delivered'),
  );
}
