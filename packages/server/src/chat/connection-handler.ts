/**
 * Chat connections on the shared socket.io server: a handshake with `{app_id, user_id, token}` (auth or
 * query) is verified as a session or sdk token of that user and becomes a hub session on the user's
 * channel and on one internal channel per chat channel the user belongs to; the bridge publishes the
 * chat events there. The connection lasts as long as its token: at the token's expiry the session is
 * closed with `token expired` (the `error` event), which the SDK answers by renewing. RTCS connections
 * (access URLs) never carry `token`, so they pass through.
 */
import { CHAT_TOKEN_END_REASONS } from '@parley/protocol';
import type { AppService } from '../apps/app.service.ts';
import type { AccessParams } from '../realtime/access-url.ts';
import { groupChannel } from '../realtime/internal-channels.ts';
import type { ConnectionHandler, InternalConnection } from '../realtime/socketio-transport.ts';
import type { BlockRepository } from './block.repository.ts';
import { ChatError } from './errors.ts';
import type { MemberRepository } from './member.repository.ts';
import type { UserService } from './user.service.ts';

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function chatConnectionHandler(apps: AppService, users: UserService, members: MemberRepository, blocks: BlockRepository): ConnectionHandler {
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
        spec: { app, user: userId, channels: async () => (await members.channelIdsOf(appId, userId)).map(groupChannel), blocked: () => blocks.blockedIdsOf(appId, userId) },
        endsAt: { at: expiresAt, reason: CHAT_TOKEN_END_REASONS.expired },
      };
    },
  };
}
