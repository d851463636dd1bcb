/**
 * Who may do what through the client API: the caller is authenticated by `APP_ID`, `USER_ID` and a
 * bearer session (or sdk) token; channel calls then need the channel to be visible to the caller (a
 * member, or a public channel), membership, a manager, no ban, or an unfrozen channel. Failures are the
 * chat code table's errors; a private channel answers a non-member 403 / 3001 and nothing more.
 */
import type { FastifyRequest } from 'fastify';
import type { App, AppService } from '../apps/app.service.ts';
import type { Chat } from '../chat/chat.ts';
import { banned, channelNotFound, frozen, noPermission, notJoined, notManager, unauthorized } from '../chat/errors.ts';
import type { ChannelRole } from '../chat/membership.service.ts';
import type { TokenClaims } from '../chat/tokens.ts';
import { recordAuthenticatedApp } from './authenticated-app.ts';

export interface Caller {
  app: App;
  userId: string;
  token: string;
  /** The presented token's claims (its kind and expiry decide what an exchange may give). */
  claims: TokenClaims;
}

/**
 * What a call needs: `any` (authenticated), `visible` (channel exists, caller not banned, a member or
 * the channel is public), `member`, `sender` (member, not frozen), `manager`.
 */
export type Need = 'any' | 'visible' | 'member' | 'sender' | 'manager';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const callers = new WeakMap<FastifyRequest, Caller>();

/** The caller a request was authenticated as (set by the `/v1/sdk` onRequest hook). */
export function callerOf(req: FastifyRequest): Caller {
  const caller = callers.get(req);
  if (!caller) throw unauthorized('unauthorized');
  return caller;
}

export async function authenticate(req: FastifyRequest, apps: AppService, chat: Chat): Promise<void> {
  const appId = header(req, 'app_id');
  const userId = header(req, 'user_id');
  const token = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
  if (!appId) throw unauthorized('unauthorized: APP_ID header is missing');
  if (!userId) throw unauthorized('unauthorized: USER_ID header is missing');
  if (!token) throw unauthorized('unauthorized: Authorization: Bearer <token> is missing');
  const app = await apps.get(appId);
  // Answered as a bad token is (UserService.verifySession): the answer must not tell which app ids exist.
  if (!app) throw unauthorized('invalid token');
  const { claims } = await chat.users.verifySession(app, userId, token);
  callers.set(req, { app, userId, token, claims });
  recordAuthenticatedApp(req, app.id);
}

/** Throws the code-table error when the caller's role in the channel does not allow `need`. */
export function checkRole(role: ChannelRole, need: Need, channelId: string, userId: string): void {
  if (need === 'any') return;
  if (!role.exists) throw channelNotFound(channelId);
  if (role.banned) throw banned(userId);
  if (!role.member && !role.public) throw noPermission('no permission: the channel is private');
  if (need === 'visible') return;
  if (!role.member) throw notJoined(userId);
  if (need === 'sender' && role.frozen) throw frozen(channelId);
  if (need === 'manager' && !role.manager) throw notManager(userId);
}

