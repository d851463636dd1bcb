/**
 * The chat API under `/v1` (DESIGN.md, "Chat contract"), one plugin: the error body `{status,
 * timestamp, path, message, code}`, the JSON parser, the NUL check and multipart registered once for
 * both faces, then the server API (chat-users/-channels/-messages.routes.ts, `APP_ID` +
 * `APP_API_KEY`) and the client API under `/sdk` (chat-sdk.routes.ts, bearer token), each behind its
 * auth hook (chat-auth.ts). Route files import downward only: auth, multipart input, schemas,
 * validation, the chat services. Stored files are served under `/v1/files/{key}` without headers, so
 * that `<img src>` and download links work, but only with the expiring signature their message's
 * presentation carried (chat/file-urls.ts).
 */
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CHAT_ERROR_CODES, FileParams, FileQuery, type ChatErrorBody } from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppService } from '../apps/app.service.ts';
import type { Chat } from '../chat/chat.ts';
import { ChatError } from '../chat/errors.ts';
import { FileStore } from '../chat/file-store.ts';
import { CHAT_ERRORS, SECURITY } from './api-components.ts';
import { applicationSettingsRoutes } from './application-settings.routes.ts';
import { platformAuth, sdkAuth } from './chat-auth.ts';
import { chatBlockRoutes } from './chat-blocks.routes.ts';
import { chatChannelRoutes } from './chat-channels.routes.ts';
import { chatMessageActionRoutes } from './chat-message-actions.routes.ts';
import { chatExportFileRoute, chatExportRoutes } from './chat-exports.routes.ts';
import { chatMessageRoutes } from './chat-messages.routes.ts';
import { chatMuteRoutes } from './chat-mutes.routes.ts';
import { chatParityRoutes } from './chat-parity.routes.ts';
import { chatPushTokenRoutes } from './chat-push-tokens.routes.ts';
import { chatReportRoutes } from './chat-reports.routes.ts';
import { chatSdkRoutes } from './chat-sdk.routes.ts';
import { chatThreadRoutes } from './chat-threads.routes.ts';
import { chatUnreadRoutes } from './chat-unread.routes.ts';
import { chatTypingRoutes } from './chat-typing.routes.ts';
import { chatSearchRoutes } from './chat-search.routes.ts';
import { chatUserRoutes } from './chat-users.routes.ts';
import { multipartLimitError, multipartOptions } from './multipart-input.ts';
import { describeValidation, refuseNul } from './validation.ts';

export interface ChatRoutesDeps {
  apps: AppService;
  chat: Chat;
}

const pathOf = (req: FastifyRequest): string => req.url.split('?')[0] ?? req.url;

/** Sends the chat error envelope (also used outside routes, e.g. 503 while draining). */
export function sendChatError(reply: FastifyReply, status: number, code: number, message: string, path: string): void {
  const body: ChatErrorBody = { status, timestamp: Date.now(), path, message, code };
  void reply.code(status).send(body);
}

type FastifyFailure = Error & { statusCode?: number; code?: string; validation?: Parameters<typeof describeValidation>[0]; validationContext?: string };

function toChatError(err: FastifyFailure, fileMaxBytes: number): ChatError | undefined {
  const C = CHAT_ERROR_CODES;
  if (err instanceof ChatError) return err;
  if (err.validation) return new ChatError(C.invalidParameter, 400, describeValidation(err.validation, err.validationContext));
  if (err.code === 'FST_REQ_FILE_TOO_LARGE') return new ChatError(C.fileSizeLimit, 400, `file must be at most ${fileMaxBytes} bytes`);
  const multipartLimit = multipartLimitError(err.code);
  if (multipartLimit) return multipartLimit;
  if (err.statusCode === 429) return new ChatError(C.tooManyRequests, 429, err.message);
  if (err.statusCode === 413) return new ChatError(C.invalidParameter, 400, 'request body too large');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return new ChatError(C.invalidParameter, 400, err.message);
  return undefined;
}

export async function chatRoutes(app: FastifyInstance, deps: ChatRoutesDeps): Promise<void> {
  app.setErrorHandler((err: FastifyFailure, req, reply) => {
    // A body the handler gave up on midway (a multipart send refused before its file was read) stays
    // unread and paused: that connection cannot carry another request, so close it rather than stall
    // the client's next call on it.
    if (!req.raw.complete) reply.header('connection', 'close');
    const known = toChatError(err, deps.chat.limits.fileMaxBytes);
    if (known) return sendChatError(reply, known.status, known.code, known.message, pathOf(req));
    // Never leak stacks or SQL: the log has the details, the client a code.
    reply.log.error({ err, path: pathOf(req) }, 'chat api error');
    sendChatError(reply, 500, CHAT_ERROR_CODES.unknown, 'unknown server error', pathOf(req));
  });
  app.setNotFoundHandler((req, reply) => sendChatError(reply, 404, CHAT_ERROR_CODES.resourceNotFound, `no such endpoint: ${req.method} ${pathOf(req)}`, pathOf(req)));

  // Clients (the seed's tutorial among them) send `Content-type: application/json` on bodiless calls too;
  // an empty body reads as `{}`, so optional bodies need no special case and required fields are named.
  const json = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    json(req, text, done);
  });

  await app.register(async (api) => {
    // A call without any body validates like an empty JSON object (see the parser above).
    api.addHook('preValidation', async (req) => {
      if (req.body === undefined) req.body = {};
      refuseNul(req);
    });
    await api.register(multipart, multipartOptions(deps.chat.limits.fileMaxBytes));
    // Authentication runs before the body is parsed, so an unauthenticated caller learns nothing else.
    await api.register(async (platform) => {
      platform.addHook('onRequest', platformAuth(deps.apps));
      await chatUserRoutes(platform, deps.chat);
      await chatChannelRoutes(platform, deps.chat);
      await chatMessageRoutes(platform, deps.chat);
      await applicationSettingsRoutes(platform, deps.apps);
      await chatMuteRoutes(platform, deps.chat, 'platform');
      await chatReportRoutes(platform, deps.chat, 'platform');
      await chatMessageActionRoutes(platform, deps.chat, 'platform');
      await chatThreadRoutes(platform, deps.chat, 'platform');
      await chatUnreadRoutes(platform, deps.chat, 'platform');
      await chatParityRoutes(platform, deps.chat, 'platform');
      await chatSearchRoutes(platform, deps.chat, 'platform');
      await chatExportRoutes(platform, deps.chat);
    });
    // The client API: its own authentication (bearer token), the same services, errors and parsers.
    await api.register(
      async (sdk) => {
        sdk.addHook('onRequest', sdkAuth(deps.apps, deps.chat.users));
        await chatSdkRoutes(sdk, deps.chat);
        await chatMuteRoutes(sdk, deps.chat, 'sdk');
        await chatReportRoutes(sdk, deps.chat, 'sdk');
        await chatBlockRoutes(sdk, deps.chat);
        await chatMessageActionRoutes(sdk, deps.chat, 'sdk');
        await chatThreadRoutes(sdk, deps.chat, 'sdk');
        await chatUnreadRoutes(sdk, deps.chat, 'sdk');
        await chatParityRoutes(sdk, deps.chat, 'sdk');
        await chatTypingRoutes(sdk, deps.chat);
        await chatSearchRoutes(sdk, deps.chat, 'sdk');
        await chatPushTokenRoutes(sdk, deps.chat);
      },
      { prefix: '/sdk' },
    );
  });

  await chatExportFileRoute(app, deps.chat);
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/files/:key',
    {
      schema: {
        tags: ['chat'],
        summary: 'A file sent in a message, through the signed URL its message carries (missing, wrong or expired signature: 403)',
        // The signature in the URL is the credential: <img src> and download links carry no headers.
        security: SECURITY.none,
        params: FileParams,
        querystring: FileQuery,
        response: {
          200: {
            description: 'The file, as an attachment (Content-Disposition), never sniffed, sandboxed',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' }, example: 'hello' } },
          },
          ...CHAT_ERRORS,
        },
      },
    },
    async (req, reply) => {
      const { key } = req.params;
      const info = FileStore.isKey(key) ? await deps.chat.fileInfo(key) : undefined;
      if (info && !(await deps.chat.fileUrls.verify(info.app_id, key, req.query.expires, req.query.signature))) {
        return sendChatError(reply, 403, CHAT_ERROR_CODES.noPermission, 'no permission: the file URL is not signed, or has expired', pathOf(req));
      }
      const file = info ? await deps.chat.files.open(key) : undefined;
      if (!info || !file) return sendChatError(reply, 404, CHAT_ERROR_CODES.resourceNotFound, 'file not found', pathOf(req));
      const name = info.file_name ?? 'file';
      const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
      // Served as an attachment, never sniffed, and sandboxed: an uploaded HTML file cannot run on our origin.
      return reply
        .header('content-type', info.file_type ?? 'application/octet-stream')
        .header('content-length', file.size)
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        // Not cached past the URL's own expiry.
        .header('cache-control', `private, max-age=${Math.max(0, Math.floor((Number(req.query.expires) - Date.now()) / 1000))}`)
        .send(file.stream);
    },
  );
}
