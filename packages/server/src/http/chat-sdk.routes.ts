/**
 * The client API under `/v1/sdk` (DESIGN.md, "Chat contract"): what the SDK calls as one user, with
 * headers `APP_ID`, `USER_ID` and `Authorization: Bearer <session or sdk token>`. Each handler
 * authenticates, checks the caller's role in the channel (chat-sdk.access.ts), then calls the chat
 * layer through its port (chat-sdk.backend.ts).
 */
import multipart from '@fastify/multipart';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppService } from '../apps/app.service.ts';
import { authenticate, bearer, checkRole, type Caller, type Need } from './chat-sdk.access.ts';
import type { ChatSdkBackend, UploadedFile } from './chat-sdk.backend.ts';
import { invalid, sdkErrorHandler, SdkApiError } from './chat-sdk.errors.ts';

export interface ChatSdkRoutesDeps {
  apps: AppService;
  backend: ChatSdkBackend;
  /** Largest file message, in bytes (larger: 1012). */
  fileMaxBytes: number;
}

const Meta = Type.Record(Type.String(), Type.String());
const Keys = Type.Object({ keys: Type.Optional(Type.Array(Type.String())) });
const Loose = Type.Object({}, { additionalProperties: true });

type Params = { channel_id?: string; message_id?: string; user_id?: string };
type Handler = (caller: Caller, req: FastifyRequest<{ Params: Params; Body: Record<string, unknown> | undefined; Querystring: Record<string, unknown> }>) => Promise<unknown>;

export async function chatSdkRoutes(app: FastifyInstance, deps: ChatSdkRoutesDeps): Promise<void> {
  const { apps, backend } = deps;
  app.setErrorHandler(sdkErrorHandler);
  await app.register(multipart, { limits: { fileSize: deps.fileMaxBytes, files: 1, fields: 10 } });

  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, need: Need, summary: string, handler: Handler, body?: TSchema, status = 200) => {
    const schema: Record<string, unknown> = { tags: ['chat sdk'], summary, querystring: Loose };
    if (body) schema.body = body;
    app.route({
      method,
      url: `/v1/sdk${url}`,
      schema,
      handler: async (req, reply) => {
        const r = req as Parameters<Handler>[1];
        const caller = await authenticate(req, apps, backend);
        const channelId = r.params.channel_id;
        if (channelId !== undefined) checkRole(await backend.role(caller.app, channelId, caller.userId), need);
        const result = await handler(caller, r);
        return reply.code(status).send(result ?? {});
      },
    });
  };
  const ch = (req: { params: Params }): string => req.params.channel_id!;
  const mid = (req: { params: Params }): number => {
    const id = Number(req.params.message_id);
    if (!Number.isSafeInteger(id) || id < 0) throw invalid('message_id must be an integer');
    return id;
  };
  /** Message changes: the sender or a manager. */
  const mayChangeMessage = async ({ app, userId }: Caller, channelId: string, messageId: number): Promise<void> => {
    const sender = await backend.messageSender(app, channelId, messageId);
    if (sender === undefined) throw new SdkApiError(400, 1005, 'message not found');
    if (sender !== userId && !(await backend.role(app, channelId, userId)).manager) throw new SdkApiError(403, 3001, 'only the sender or a manager may change this message');
  };

  route('POST', '/users/token', 'any', 'Exchange a session token for an SDK token', async ({ app, userId }, req) => {
    if (!bearer(req)) throw invalid('Authorization is required');
    return backend.issueSdkToken(app, userId);
  });
  route('GET', '/users/me', 'any', 'The connected user', async ({ app, userId }) => backend.getUser(app, userId));
  route('PUT', '/users/me', 'any', 'Update the connected user', async ({ app, userId }, req) => backend.updateUser(app, userId, req.body ?? {}),
    Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })), profile_url: Type.Optional(Type.String({ maxLength: 2048 })) }, { additionalProperties: false }));
  route('PUT', '/users/me/meta', 'any', 'Set meta keys of the connected user', async ({ app, userId }, req) => backend.setUserMeta(app, userId, req.body!.meta as Record<string, string>), Type.Object({ meta: Meta }));
  route('DELETE', '/users/me/meta', 'any', 'Remove meta keys of the connected user', async ({ app, userId }, req) => backend.deleteUserMeta(app, userId, req.body?.keys as string[] | undefined), Type.Optional(Keys));
  route('GET', '/users/me/group/channels', 'any', 'Channels the connected user joined', async ({ app, userId }, req) => backend.listChannels(app, req.query, userId));
  route('GET', '/users/:user_id', 'any', 'A user of the app', async ({ app }, req) => backend.getUser(app, req.params.user_id!));

  route('GET', '/group/channels', 'any', 'Group channels of the app', async ({ app }, req) => backend.listChannels(app, req.query, undefined));
  route('POST', '/group/channels', 'any', 'Create a group channel (the caller is a member)', async ({ app, userId }, req) => {
    const body = req.body!;
    const members = [...new Set([userId, ...((body.members as string[] | undefined) ?? [])])];
    return backend.createChannel(app, { ...body, members });
  }, Type.Object({ members: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: true }), 201);
  route('GET', '/group/channels/:channel_id', 'open', 'A group channel', async ({ app }, req) => backend.getChannel(app, ch(req), req.query));
  route('PUT', '/group/channels/:channel_id', 'manager', 'Update a channel (managers)', async ({ app }, req) => backend.updateChannel(app, ch(req), req.body ?? {}), Loose);
  route('DELETE', '/group/channels/:channel_id', 'manager', 'Delete a channel (managers)', async ({ app }, req) => backend.deleteChannel(app, ch(req)));
  route('PUT', '/group/channels/:channel_id/join', 'open', 'Join the channel', async ({ app, userId }, req) => backend.join(app, ch(req), userId));
  route('PUT', '/group/channels/:channel_id/leave', 'member', 'Leave the channel', async ({ app, userId }, req) => backend.leave(app, ch(req), userId));
  route('GET', '/group/channels/:channel_id/members', 'member', 'Members', async ({ app }, req) => backend.members(app, ch(req), req.query));
  route('GET', '/group/channels/:channel_id/online_members', 'member', 'Members with a live connection', async ({ app }, req) => backend.onlineMembers(app, ch(req)));
  const Manager = Type.Object({ manager: Type.String({ minLength: 1 }) });
  route('POST', '/group/channels/:channel_id/managers', 'manager', 'Add a manager (managers)', async ({ app }, req) => backend.addManager(app, ch(req), req.body!.manager as string), Manager);
  route('DELETE', '/group/channels/:channel_id/managers', 'manager', 'Remove a manager (managers)', async ({ app }, req) => backend.removeManager(app, ch(req), req.body!.manager as string), Manager);

  route('POST', '/group/channels/:channel_id/messages', 'sender', 'Send a text (JSON) or file (multipart) message', async ({ app, userId }, req) => {
    if (req.isMultipart()) {
      const { file, meta } = await readUpload(req);
      return backend.sendFile(app, ch(req), userId, file, meta);
    }
    const body = req.body ?? {};
    if (body.type !== undefined && body.type !== 'text') throw invalid('type must be text (send files as multipart)');
    if (typeof body.content !== 'string' || body.content === '') throw invalid('content is required');
    return backend.sendText(app, ch(req), userId, body.content, body.meta as Record<string, string> | undefined);
  }, undefined, 201);
  route('GET', '/group/channels/:channel_id/messages', 'member', 'Messages (limit, mode, base_message_id, type, content)', async ({ app }, req) => backend.listMessages(app, ch(req), req.query));
  route('PUT', '/group/channels/:channel_id/messages/read', 'member', 'Mark the channel read', async ({ app, userId }, req) => backend.read(app, ch(req), userId));
  route('PUT', '/group/channels/:channel_id/messages/delivered', 'member', 'Mark the channel delivered', async ({ app, userId }, req) => backend.delivered(app, ch(req), userId));
  route('DELETE', '/group/channels/:channel_id/messages/:message_id', 'member', 'Delete a message (sender or manager)', async (caller, req) => {
    await mayChangeMessage(caller, ch(req), mid(req));
    return backend.deleteMessage(caller.app, ch(req), mid(req));
  });
  route('PUT', '/group/channels/:channel_id/messages/:message_id/meta', 'member', 'Set message meta (sender or manager)', async (caller, req) => {
    await mayChangeMessage(caller, ch(req), mid(req));
    return backend.setMessageMeta(caller.app, ch(req), mid(req), req.body!.meta as Record<string, string>);
  }, Type.Object({ meta: Meta }));
  route('DELETE', '/group/channels/:channel_id/messages/:message_id/meta', 'member', 'Remove message meta (sender or manager)', async (caller, req) => {
    await mayChangeMessage(caller, ch(req), mid(req));
    return backend.deleteMessageMeta(caller.app, ch(req), mid(req), req.body?.keys as string[] | undefined);
  }, Type.Optional(Keys));

  route('PUT', '/group/channels/:channel_id/freeze', 'manager', 'Freeze or unfreeze (managers)', async ({ app }, req) => backend.freeze(app, ch(req), req.body!.freeze as boolean), Type.Object({ freeze: Type.Boolean() }));
  route('POST', '/group/channels/:channel_id/ban', 'manager', 'Ban a user (managers)', async ({ app, userId }, req) => {
    const ban = req.body as { user_id: string; seconds: number; reason?: string };
    if (ban.user_id === userId) throw new SdkApiError(400, 1018, 'you cannot ban yourself');
    if ((await backend.role(app, ch(req), ban.user_id)).manager) throw new SdkApiError(400, 1017, 'managers cannot ban each other');
    return backend.ban(app, ch(req), ban);
  }, Type.Object({ user_id: Type.String({ minLength: 1 }), seconds: Type.Integer({ minimum: 1 }), reason: Type.Optional(Type.String({ maxLength: 500 })) }));
  route('DELETE', '/group/channels/:channel_id/ban/:user_id', 'manager', 'Lift a ban (managers)', async ({ app }, req) => backend.unban(app, ch(req), req.params.user_id!));
  route('GET', '/group/channels/:channel_id/banned_list', 'manager', 'Banned users (managers)', async ({ app }, req) => backend.bannedList(app, ch(req), req.query));
}

/** The multipart body of a file message: one `file` part, optional `type=file` and `meta` (JSON). */
async function readUpload(req: FastifyRequest): Promise<{ file: UploadedFile; meta: Record<string, string> | undefined }> {
  let file: UploadedFile | undefined;
  let meta: Record<string, string> | undefined;
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (file) throw invalid('only one file per message');
      file = { filename: part.filename, mimetype: part.mimetype, data: await part.toBuffer() };
    } else if (part.fieldname === 'meta') {
      try {
        meta = JSON.parse(String(part.value)) as Record<string, string>;
      } catch {
        throw invalid('meta must be a JSON object');
      }
    } else if (part.fieldname === 'type' && part.value !== 'file') {
      throw invalid('type must be file for a multipart message');
    }
  }
  if (!file) throw invalid('file is required');
  return { file, meta };
}
