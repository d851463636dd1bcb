/**
 * Who may do what through the client API: the caller is authenticated by `APP_ID`, `USER_ID` and a
 * bearer token; channel calls then need membership, a manager, no ban, or an unfrozen channel.
 */
import type { FastifyRequest } from 'fastify';
import type { App, AppService } from '../apps/app.service.ts';
import type { ChatSdkBackend, ChannelRole } from './chat-sdk.backend.ts';
import { SdkApiError, unauthorized, unknownApp } from './chat-sdk.errors.ts';

export interface Caller {
  app: App;
  userId: string;
}

/** What a call needs: `any` (authenticated), `open` (exists, not banned), `member`, `sender` (member, not frozen), `manager`. */
export type Need = 'any' | 'open' | 'member' | 'sender' | 'manager';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** The bearer token of the request, or undefined. */
export function bearer(req: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '');
  return match?.[1];
}

export async function authenticate(req: FastifyRequest, apps: AppService, backend: ChatSdkBackend): Promise<Caller> {
  const appId = header(req, 'app_id');
  const userId = header(req, 'user_id');
  const token = bearer(req);
  if (!appId) throw unknownApp();
  if (!userId || !token) throw unauthorized('USER_ID and Authorization: Bearer <token> are required');
  const app = await apps.get(appId);
  if (!app) throw unknownApp();
  if (!(await backend.verifyToken(app, userId, token))) throw unauthorized('invalid or expired token');
  return { app, userId };
}

/** Throws the code-table error when the caller's role in the channel does not allow `need`. */
export function checkRole(role: ChannelRole, need: Need): void {
  if (need === 'any') return;
  if (!role.exists) throw new SdkApiError(400, 1003, 'channel not found');
  if (role.banned) throw new SdkApiError(400, 1019, 'banned from this channel');
  if (need === 'open') return;
  if (!role.member) throw new SdkApiError(400, 1008, 'not a member of this channel');
  if (need === 'sender' && role.frozen) throw new SdkApiError(400, 1009, 'channel is frozen');
  if (need === 'manager' && !role.manager) throw new SdkApiError(400, 1016, 'not a manager of this channel');
}
