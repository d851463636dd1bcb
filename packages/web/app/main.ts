/**
 * The demo page: signs in (a dev token from the demo server, or a pasted session token), connects the
 * SDK loaded from `/sdk/parley.min.js`, and hands the connected client to the chat view. The demo
 * server creates each user id once: the page keeps every token it got (localStorage) to come back as
 * that user, and says so when a name is taken.
 */
import { CHAT_ERROR_CODES } from '@parley/protocol';
import type { Client, ConnectionState } from '@parley/sdk';
import { ChatView } from './chat-view.ts';
import { $, describeError, formValues } from './dom.ts';

declare global {
  // Set by the SDK bundle.
  var Parley: { Client: typeof Client };
}

interface Session {
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
let client: Client | undefined;
let view: ChatView | undefined;

function showState(state: ConnectionState | string, detail = state): void {
  const badge = $('#state');
  badge.className = `state ${state}`;
  badge.textContent = detail;
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
async function devSession(userId: string): Promise<Session> {
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

async function connect(session: Session): Promise<void> {
  const c = new Parley.Client({ app_id: session.app_id, url: location.origin, session_token: session.session_token });
  client = c;
  showState('connecting');
  c.on('connected', () => showState('connected'));
  c.on('reconnectTry', (n) => showState('reconnecting', `reconnecting (${n})`));
  c.on('reconnectSucceed', () => {
    showState('connected');
    void view?.refresh();
  });
  c.on('reconnectFailed', () => showState('disconnected', 'reconnection failed'));
  c.on('disconnected', () => showState('disconnected'));
  c.on('error', (err) => ($('#chat-error').textContent = describeError(err)));
  await c.connectUser({ user_id: session.user_id });
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  $('#me').textContent = session.user_id;
  $('#login').hidden = true;
  $('#chat').hidden = false;
  $('#logout').hidden = false;
  view = new ChatView(c, session.user_id);
  await view.start();
}

async function signIn(make: () => Promise<Session>): Promise<void> {
  $('#login-error').textContent = '';
  try {
    await connect(await make());
  } catch (err) {
    client?.disconnectUser();
    client = undefined;
    showState('disconnected');
    $('#login-error').textContent = describeError(err);
  }
}

function wireLogin(): void {
  const dev = $<HTMLFormElement>('#dev-login');
  dev.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(() => devSession(formValues(dev).user_id ?? ''));
  });
  for (const pick of dev.querySelectorAll<HTMLButtonElement>('button[data-user]')) {
    pick.addEventListener('click', () => void signIn(() => devSession(pick.dataset.user ?? '')));
  }
  const manual = $<HTMLFormElement>('#token-login');
  manual.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(manual);
    void signIn(async () => ({ app_id: v.app_id ?? '', user_id: v.user_id ?? '', session_token: v.token ?? '' }));
  });
  $('#logout').addEventListener('click', () => {
    // The dev tokens stay: signing in as the same name later reuses its token.
    localStorage.removeItem(SESSION_KEY);
    client?.disconnectUser();
    location.reload();
  });
}

wireLogin();
const saved = localStorage.getItem(SESSION_KEY);
if (saved) void signIn(async () => JSON.parse(saved) as Session);
