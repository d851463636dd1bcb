/**
 * Chat connections on the shared socket.io server: a handshake with `{app_id, user_id, token}` (auth or
 * query) is verified as a session or sdk token of that user and becomes a hub session on the user's
 * channel and on one internal channel per chat channel the user belongs to; the bridge publishes the
 * chat events there. The connection lasts as long as its token: at the token's expiry the session is
 * closed with `token expired` (the `error` event), which the SDK answers by renewing. RTCS connections
 * (access URLs) never carry `token`, so they pass through.
 */
import { CHAT_ERROR_CODES, CHAT_TOKEN_END_REASONS, CHAT_TYPING, type ChatTypingAck } from '@parley/protocol';
import type { Logger } from 'pino';
import type { AppService } from '../apps/app.service.ts';
import type { AccessParams } from '../realtime/access-url.ts';
import { groupChannel } from '../realtime/internal-channels.ts';
import type { ConnectionHandler, InternalConnection } from '../realtime/socketio-transport.ts';
import type { BlockRepository } from './block.repository.ts';
import { ChatError } from './errors.ts';
import type { MemberRepository } from './member.repository.ts';
import type { TypingService } from './typing.service.ts';
import type { UserService } from './user.service.ts';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function chatConnectionHandler(apps: AppService, users: UserService, members: MemberRepository, blocks: BlockRepository, typing: TypingService, log: Logger): ConnectionHandler {
  // What a chat socket may send, shared by every connection: `typing {channel_id, typing}`, answered
  // on its acknowledgement when the client asks for one.
  const events: InternalConnection['events'] = {
    [CHAT_TYPING.socketEvent]: (session, payload, ack) => {
      typing.fromSocket({ appId: session.appId, userId: session.user }, payload).then(
        () => ack?.({ ok: true } satisfies ChatTypingAck),
        (err: unknown) => {
          if (!(err instanceof ChatError)) log.warn({ err, session: session.id }, 'typing event failed');
          const error = err instanceof ChatError ? { code: err.code, message: err.message } : { code: CHAT_ERROR_CODES.unknown, message: 'server error' };
          ack?.({ error } satisfies ChatTypingAck);
        },
      );
    },
  };
  return {
    accepts(params: AccessParams): boolean {
      return text(params.token) !== undefined && text(params.user_id) !== undefined;
    },
    async verify(params: AccessParams): Promise<InternalConnection> {
      const appId = text(params.app_id);
      if (!appId) throw new Error('app_id is required');
      const app = await apps.get(appId);
      // Refused with the words of a bad token: the refusal must not tell which app ids exist.
      if (!app) throw new Error('invalid token');
      const userId = text(params.user_id)!;
      let expiresAt: number;
      try {
        expiresAt = (await users.verifySession(app, userId, text(params.token)!)).claims.exp;
      } catch (err) {
        // The reason reaches the client in connect_error; anything unexpected stays generic.
        throw new Error(err instanceof ChatError ? err.message : 'server error', { cause: err });
      }
      return {
        spec: {
          app,
          user: userId,
          channels: async () => (await members.channelIdsOf(appId, userId)).map(groupChannel),
          blocked: () => blocks.blockedIdsOf(appId, userId),
          closed: () => void typing.disconnected(appId, userId).catch((err: unknown) => log.warn({ err, user: userId }, 'ending typing states at disconnect failed')),
        },
        endsAt: { at: expiresAt, reason: CHAT_TOKEN_END_REASONS.expired },
        events,
      };
    },
  };
}
