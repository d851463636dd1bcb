/**
 * A stand-in for Parley's chat layer, for SDK tests: Parley's real client API routes (chatSdkRoutes)
 * over an in-memory backend, and a socket.io server that authenticates `{app_id, user_id, token}` and
 * emits `group:message_send` to each member's sockets. It can cut every socket and restart on the same
 * port while keeping its data, like a server restart.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GroupChannel as ChatChannel, Message as ChatMessage, User as ChatUser } from '../../packages/sdk/src/index.ts';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { Server as SocketIoServer } from 'socket.io';
import type { App, AppService } from '../../packages/server/src/apps/app.service.ts';
import type { ChannelRole, ChatSdkBackend } from '../../packages/server/src/http/chat-sdk.backend.ts';
import { chatSdkRoutes } from '../../packages/server/src/http/chat-sdk.routes.ts';
import { validatorCompiler } from '../../packages/server/src/http/validation.ts';

const APP = { id: 'fakeapp' } as App;

export class FakeChatServer {
  readonly appId = APP.id;
  private readonly channels = new Map<string, { channel: ChatChannel; members: Set<string>; messages: ChatMessage[] }>();
  private http?: FastifyInstance;
  private io?: SocketIoServer;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  tokenFor(userId: string): string {
    return `session-${userId}`;
  }

  user(userId: string): ChatUser {
    return { user_id: userId, name: userId, profile_url: '', meta: {}, created_at: 0, updated_at: 0 };
  }

  addChannel(channelId: string, members: string[]): void {
    const now = Date.now();
    const channel: ChatChannel = { channel_id: channelId, name: channelId, profile_url: '', type: 'group', freeze: false, total_message_count: 0, total_file_count: 0, meta: {}, created_at: now, updated_at: now };
    this.channels.set(channelId, { channel, members: new Set(members), messages: [] });
  }

  /** Stores a message and emits it to the members' live sockets (as the real bridge does). */
  send(channelId: string, userId: string, content: string): ChatMessage {
    const room = this.channels.get(channelId)!;
    const now = Date.now();
    const message: ChatMessage = { message_id: room.messages.length + 1, channel_id: channelId, type: 'text', content, meta: {}, user: this.user(userId), created_at: now, updated_at: now };
    room.messages.push(message);
    room.channel.total_message_count++;
    for (const member of room.members) this.io?.to(`user:${member}`).emit('group:message_send', message, this.view(channelId));
    return message;
  }

  /** Closes every client connection at the transport level (clients see a dropped connection). */
  cutSockets(): void {
    for (const socket of this.io?.of('/').sockets.values() ?? []) socket.conn.close();
  }

  async start(): Promise<void> {
    const server: HttpServer = createServer();
    this.http = Fastify({ serverFactory: (handler) => server.on('request', handler) });
    this.http.setValidatorCompiler(validatorCompiler);
    // As Parley's own HTTP server: browsers on other origins may call the client API.
    await this.http.register(cors, { origin: true, allowedHeaders: ['content-type', 'app_id', 'user_id', 'authorization'] });
    const apps = { get: async (id: string) => (id === APP.id ? APP : undefined) } as unknown as AppService;
    await this.http.register(async (scope) => chatSdkRoutes(scope, { apps, backend: this.backend(), fileMaxBytes: 1024 }));
    await this.http.ready();
    this.io = new SocketIoServer(server, { cors: { origin: true } });
    this.io.use((socket, next) => {
      const auth = socket.handshake.auth as { app_id?: string; user_id?: string; token?: string };
      if (auth.app_id === APP.id && auth.user_id && auth.token === this.tokenFor(auth.user_id)) next();
      else next(new Error('unauthorized'));
    });
    this.io.on('connection', (socket) => void socket.join(`user:${(socket.handshake.auth as { user_id: string }).user_id}`));
    await this.http.listen({ port: this.port, host: '127.0.0.1' });
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.io?.disconnectSockets(true);
    await new Promise<void>((resolve) => (this.io ? this.io.close(() => resolve()) : resolve()));
    await this.http?.close();
    this.io = undefined;
    this.http = undefined;
  }

  private view(channelId: string): ChatChannel {
    const room = this.channels.get(channelId)!;
    return { ...room.channel, last_message: room.messages.at(-1) ?? null };
  }

  private backend(): ChatSdkBackend {
    const implemented: Partial<ChatSdkBackend> = {
      verifyToken: async (_app, userId, token) => token === this.tokenFor(userId) || token === `sdk-${userId}`,
      issueSdkToken: async (_app, userId) => ({ token: `sdk-${userId}`, expires_at: Date.now() + 3_600_000 }),
      getUser: async (_app, userId) => this.user(userId),
      role: async (_app, channelId, userId): Promise<ChannelRole> => {
        const room = this.channels.get(channelId);
        return { exists: !!room, member: !!room?.members.has(userId), manager: false, banned: false, frozen: false };
      },
      listChannels: async (_app, _query, joinedBy) => ({
        channels: [...this.channels.keys()].filter((id) => !joinedBy || this.channels.get(id)!.members.has(joinedBy)).map((id) => this.view(id)),
        next: null,
      }),
      listMessages: async (_app, channelId, query) => {
        const all = this.channels.get(channelId)!.messages;
        const limit = Number(query.limit ?? 20);
        const base = query.base_message_id === undefined ? undefined : Number(query.base_message_id);
        const messages = query.mode === 'next' ? all.filter((m) => base === undefined || m.message_id > base).slice(0, limit) : all.filter((m) => base === undefined || m.message_id < base).slice(-limit);
        return { messages };
      },
    };
    return new Proxy(implemented as ChatSdkBackend, {
      get: (target, name: keyof ChatSdkBackend) =>
        target[name] ??
        (() => {
          throw new Error(`the fake chat backend does not implement ${String(name)}`);
        }),
    });
  }
}
