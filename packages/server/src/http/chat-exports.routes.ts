/**
 * Exports (DESIGN.md, Export): `POST /v1/exports` queues a job, `GET /v1/exports/{id}` answers its
 * status (server API); `GET /v1/exports/{id}/file` streams the finished NDJSON file to whoever holds
 * its signed URL, without headers, like a message's file (a wrong signature: 403; none such: 404).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CHAT_ERROR_CODES, ExportBody, ExportParams, FileQuery, type ChatExport } from '@parley/protocol';
import type { FastifyInstance } from 'fastify';
import type { Chat } from '../chat/chat.ts';
import { ChatError, noPermission } from '../chat/errors.ts';
import { answer, CHAT_ERRORS, SECURITY, withExample } from './api-components.ts';
import { appOf } from './chat-auth.ts';

const T = 1_767_225_600_000;
const exampleQueued: ChatExport = {
  export_id: '5f0c6e2a9b8d4c1e7a3f2b1c0d9e8f7a',
  type: 'messages',
  status: 'queued',
  channel_id: 'lobby',
  from: T,
  to: null,
  count: 0,
  expires_at: null,
  created_at: T,
  updated_at: T,
};
const exampleDone: ChatExport = {
  ...exampleQueued,
  status: 'done',
  count: 1520,
  url: `https://chat.example.com/v1/exports/${exampleQueued.export_id}/file?expires=${T + 86_400_000}&signature=Jx0cQ2q3m0Q1b2Yh8l7d5d0s3VYm0Z3q9w8e7r6t5y4`,
  expires_at: T + 86_400_000,
  updated_at: T + 4_000,
};

/** The server API's export routes (behind its auth hook). */
export async function chatExportRoutes(scope: FastifyInstance, chat: Chat): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/exports',
    {
      schema: {
        tags: ['chat channels'],
        security: SECURITY.platform,
        summary: "Queue an export of the app's messages (optionally one channel's), channels or users created in [from, to), as NDJSON",
        body: withExample(ExportBody, { type: 'messages', channel_id: 'lobby', from: T }),
        response: { 201: answer('ChatExport', exampleQueued, 'Created: queued'), ...CHAT_ERRORS },
      },
    },
    async (req, reply) => reply.code(201).send(await chat.exports.create(appOf(req).id, req.body)),
  );
  app.get(
    '/exports/:export_id',
    {
      schema: {
        tags: ['chat channels'],
        security: SECURITY.platform,
        summary: 'An export job: queued, running (count so far), done (with its signed url until expires_at), failed or expired',
        params: ExportParams,
        response: { 200: answer('ChatExport', exampleDone), ...CHAT_ERRORS },
      },
    },
    async (req) => chat.exports.get(appOf(req).id, req.params.export_id),
  );
}

/** The download of a finished export, through its signed URL (no headers, as `<a href>` needs). */
export async function chatExportFileRoute(scope: FastifyInstance, chat: Chat): Promise<void> {
  scope.withTypeProvider<TypeBoxTypeProvider>().get(
    '/exports/:export_id/file',
    {
      schema: {
        tags: ['chat'],
        summary: 'The NDJSON file of a finished export, through the signed URL its status carries (wrong or expired signature: 403)',
        security: SECURITY.none,
        params: ExportParams,
        querystring: FileQuery,
        response: {
          200: {
            description: 'One JSON object per line, each in the wire shape of the exported item (message, channel or user)',
            content: { 'application/x-ndjson': { schema: { type: 'string' }, example: '{"message_id":1,"channel_id":"lobby","type":"text","content":"hello"}\n' } },
          },
          ...CHAT_ERRORS,
        },
      },
    },
    async (req, reply) => {
      const file = await chat.exports.download(req.params.export_id, req.query.expires, req.query.signature);
      if (file === false) throw noPermission('no permission: the export URL is not signed, or has expired');
      if (!file) throw new ChatError(CHAT_ERROR_CODES.resourceNotFound, 404, 'export file not found');
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-length', file.size)
        .header('content-disposition', `attachment; filename="${file.name}"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(file.stream);
    },
  );
}
