/**
 * Chat connections on the shared socket.io server: a handshake with `{app_id, user_id, token}` (auth or
 * query) is verified as a session or sdk token of that user and joins the user's room; the bridge
 * delivers the chat events there. The connection lasts as long as its token: at the token's expiry the
 * socket is told `token expired` (the `error` event) and disconnected, which the SDK answers by renewing.
 * RTCS connections (access URLs) never carry `token`, so they pass through.
 */
import { CHAT_TOKEN_END_REASONS } from '@parley/protocol';
import type { Socket } from 'socket.io';
import type { AppService } from '../apps/app.service.ts';
import type { AccessParams } from '../realtime/access-url.ts';
import type { ConnectionHandler } from '../realtime/socketio-transport.ts';
import { ChatError } from './errors.ts';
import { userRoom, type ChatSocketData } from './realtime-bridge.ts';
import type { UserService } from './user.service.ts';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Longest delay setTimeout takes (a longer one fires at once): tokens living longer re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/** Ends the socket with `token expired` once `expiresAt` (unix ms) has passed. */
function endAtExpiry(socket: Socket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const left = expiresAt - Date.now();
    if (left > 0) {
      timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
      return;
    }
    socket.emit('error', CHAT_TOKEN_END_REASONS.expired);
    socket.disconnect(true);
  };
  socket.once('disconnect', () => clearTimeout(timer));
  check();
}

export function chatConnectionHandler(apps: AppService, users: UserService): ConnectionHandler {
  return {
    accepts(params: AccessParams): boolean {
      return text(params.token) !== undefined && text(params.user_id) !== undefined;
    },
    async verify(socket: Socket, params: AccessParams): Promise<void> {
      const appId = text(params.app_id);
      if (!appId) throw new Error('app_id is required');
      const app = await apps.get(appId);
      // Refused with the words of a bad token: the refusal must not tell which app ids exist.
      if (!app) throw new Error('invalid token');
      let expiresAt: number;
      try {
        expiresAt = (await users.verifySession(app, text(params.user_id)!, text(params.token)!)).claims.exp;
      } catch (err) {
        // The reason reaches the client in connect_error; anything unexpected stays generic.
        throw new Error(err instanceof ChatError ? err.message : 'server error', { cause: err });
      }
      (socket.data as ChatSocketData).chat = { appId, userId: text(params.user_id)!, expiresAt };
    },
    connected(socket: Socket): void {
      const chat = (socket.data as ChatSocketData).chat;
      if (!chat) return;
      void socket.join(userRoom(chat.appId, chat.userId));
      endAtExpiry(socket, chat.expiresAt);
    },
  };
}
