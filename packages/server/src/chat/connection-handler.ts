/**
 * Chat connections on the shared socket.io server: a handshake with `{app_id, user_id, token}` (auth or
 * query) is verified as a session token of that user and joins the user's room; the bridge delivers
 * the chat events there. RTCS connections (access URLs) never carry `token`, so they pass through.
 */
import type { Socket } from 'socket.io';
import type { AppService } from '../apps/app.service.ts';
import type { AccessParams } from '../realtime/access-url.ts';
import type { ConnectionHandler } from '../realtime/socketio-transport.ts';
import { ChatError } from './errors.ts';
import { userRoom, type ChatSocketData } from './realtime-bridge.ts';
import type { UserService } from './user.service.ts';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function chatConnectionHandler(apps: AppService, users: UserService): ConnectionHandler {
  return {
    accepts(params: AccessParams): boolean {
      return text(params.token) !== undefined && text(params.user_id) !== undefined;
    },
    async verify(socket: Socket, params: AccessParams): Promise<void> {
      const appId = text(params.app_id);
      if (!appId) throw new Error('app_id is required');
      const app = await apps.get(appId);
      if (!app) throw new Error(`unknown app ${appId}`);
      try {
        await users.verifySession(app, text(params.user_id)!, text(params.token)!);
      } catch (err) {
        // The reason reaches the client in connect_error; anything unexpected stays generic.
        throw new Error(err instanceof ChatError ? err.message : 'server error', { cause: err });
      }
      (socket.data as ChatSocketData).chat = { appId, userId: text(params.user_id)! };
    },
    connected(socket: Socket): void {
      const chat = (socket.data as ChatSocketData).chat;
      if (chat) void socket.join(userRoom(chat.appId, chat.userId));
    },
  };
}
