/**
 * Authentication of the chat API, run as `onRequest` hooks before the body is parsed (so an
 * unauthenticated caller learns nothing else): the server API by `APP_ID` + `APP_API_KEY`, the client
 * API (`/v1/sdk`) by `APP_ID`, `USER_ID` and `Authorization: Bearer <session or sdk token>`. Both
 * record the app (authenticated-app.ts); handlers read it, and the client API's session, back here.
 * What a caller may then do in a channel is the chat services' question (chat/access.ts).
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { App, AppService } from '../apps/app.service.ts';
import type { UserCaller } from '../chat/access.ts';
import { unauthorized } from '../chat/errors.ts';
import type { TokenClaims } from '../chat/tokens.ts';
import type { UserService } from '../chat/user.service.ts';
import { authenticatedApp, recordAuthenticatedApp } from './authenticated-app.ts';

/** A client API caller: the user its token verified for, acting as itself. */
export interface SdkSession extends UserCaller {
  app: App;
  /** The presented token's claims (its kind and expiry decide what an exchange may give). */
  claims: TokenClaims;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const sessions = new WeakMap<FastifyRequest, SdkSession>();

/** The app a chat request authenticated as (either API). */
export function appOf(req: FastifyRequest): App {
  const app = authenticatedApp(req);
  if (!app) throw unauthorized('unauthorized');
  return app;
}

/** The client API caller a request authenticated as. */
export function sessionOf(req: FastifyRequest): SdkSession {
  const session = sessions.get(req);
  if (!session) throw unauthorized('unauthorized');
  return session;
}

/** The server API's hook: `APP_ID` + `APP_API_KEY`. */
export function platformAuth(apps: AppService): onRequestAsyncHookHandler {
  return async (req) => {
    const id = header(req, 'app_id');
    const key = header(req, 'app_api_key');
    if (id === undefined) throw unauthorized('unauthorized: APP_ID header is missing');
    if (key === undefined) throw unauthorized('unauthorized: APP_API_KEY header is missing');
    // One answer for an unknown app and a wrong key: the answer must not tell which app ids exist.
    const found = await apps.authenticate(id, key);
    if (!found) throw unauthorized('unauthorized: unknown APP_ID or wrong APP_API_KEY');
    recordAuthenticatedApp(req, found);
  };
}

/** The client API's hook: `APP_ID`, `USER_ID` and a bearer session or sdk token of that user. */
export function sdkAuth(apps: AppService, users: UserService): onRequestAsyncHookHandler {
  return async (req) => {
    const appId = header(req, 'app_id');
    const userId = header(req, 'user_id');
    const token = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
    if (!appId) throw unauthorized('unauthorized: APP_ID header is missing');
    if (!userId) throw unauthorized('unauthorized: USER_ID header is missing');
    if (!token) throw unauthorized('unauthorized: Authorization: Bearer <token> is missing');
    const app = await apps.get(appId);
    // Answered as a bad token is (UserService.verifySession): the answer must not tell which app ids exist.
    if (!app) throw unauthorized('invalid token');
    const { claims } = await users.verifySession(app, userId, token);
    sessions.set(req, { app, appId: app.id, userId, claims });
    recordAuthenticatedApp(req, app);
  };
}
