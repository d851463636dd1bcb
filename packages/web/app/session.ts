/**
 * Signing in to the demo page: a dev token from the demo server, or a pasted session token. The demo
 * server creates each user id once, so the page keeps every token it got (localStorage) to come back as
 * that user, and says so when a name is taken. The session signed in last is restored on reload.
 */
import { CHAT_ERROR_CODES } from '@parley/protocol';

export interface Session {
  app_id: string;
  user_id: string;
  session_token: string;
  /** Unix ms (dev tokens); unknown for a pasted token. */
  expires_at?: number;
}

/** The session signed in last (restored on reload until "Sign out"). */
const SESSION_KEY = 'parley-demo-session';
/** Every dev token this browser got, by user id: the demo server gives out each user id only once. */
const DEV_TOKENS_KEY = 'parley-demo-dev-tokens';

function isSession(value: unknown): value is Session {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.app_id === 'string' && typeof v.user_id === 'string' && typeof v.session_token === 'string';
}

function savedDevTokens(): Record<string, Session> {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(DEV_TOKENS_KEY) ?? '{}');
    return saved && typeof saved === 'object' ? (saved as Record<string, Session>) : {};
  } catch {
    return {};
  }
}

/** The saved token of this user while it is valid for another minute, else a new user from the demo server. */
export async function devSession(userId: string): Promise<Session> {
  const saved = savedDevTokens()[userId];
  if (saved && (saved.expires_at ?? 0) > Date.now() + 60_000) return saved;
  const res = await fetch('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: userId }) });
  const body = (await res.json()) as Session & { message?: string; code?: number };
  if (body.code === CHAT_ERROR_CODES.duplicateId) {
    throw new Error(
      saved
        ? `Your session as "${userId}" has expired and the demo server creates each name only once: pick another name.`
        : `The name "${userId}" is taken (the demo server creates each name only once, and this browser has no token for it): pick another name.`,
    );
  }
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  localStorage.setItem(DEV_TOKENS_KEY, JSON.stringify({ ...savedDevTokens(), [userId]: body }));
  return body;
}

export function savedSession(): Session | undefined {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
    return isSession(saved) ? saved : undefined;
  } catch {
    return undefined;
  }
}

export const rememberSession = (session: Session): void => localStorage.setItem(SESSION_KEY, JSON.stringify(session));

/** Forgets the last session; the dev tokens stay (signing in as the same name later reuses its token). */
export const forgetSession = (): void => localStorage.removeItem(SESSION_KEY);
