/**
 * The operator console at /admin: sign-in with the admin token, then a view per hash route (overview,
 * debug console, apps, moderation, presence, audit log) with the app they work on chosen once in the
 * header. The token stays in this tab only (sessionStorage); the operator's name is remembered.
 */
import type { AdminApp, AdminSession } from '@parley/protocol';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AdminApi, ApiError, messageOf, type Credentials } from './api.ts';
import { Apps } from './apps.tsx';
import { AuditLog } from './audit.tsx';
import { DebugConsole } from './debug-console.tsx';
import { Moderation } from './moderation.tsx';
import { Overview } from './overview.tsx';
import { Presence } from './presence.tsx';
import { ErrorText, Field } from './ui.tsx';

const TOKEN_KEY = 'parley-admin-token';
const OPERATOR_KEY = 'parley-admin-operator';
const APP_KEY = 'parley-admin-app';

const VIEWS = {
  overview: 'Overview',
  console: 'Debug console',
  apps: 'Apps',
  moderation: 'Chat moderation',
  presence: 'Presence',
  audit: 'Audit log',
} as const;
type View = keyof typeof VIEWS;
/** Views that work on the app chosen in the header. */
const PER_APP: ReadonlySet<View> = new Set(['console', 'moderation', 'presence']);

const viewOf = (hash: string): View => {
  const name = hash.replace(/^#\/?/, '');
  return name in VIEWS ? (name as View) : 'overview';
};

function SignIn({ onSignedIn }: { onSignedIn: (c: Credentials, s: AdminSession) => void }) {
  const [token, setToken] = useState('');
  const [operator, setOperator] = useState(localStorage.getItem(OPERATOR_KEY) ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    const credentials = { token: token.trim(), operator: operator.trim() };
    try {
      const session = await new AdminApi(credentials).get<AdminSession>('/session');
      onSignedIn(credentials, session);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That admin token was refused.' : messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Parley console</h1>
      <form id="sign-in" class="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        <Field
          label="Admin token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
          hint="ADMIN_TOKEN, or the token the server printed at its first start (parley admin rotate-token makes a new one)."
        />
        <Field label="Your name (for the audit log)" name="operator" autoComplete="name" maxLength={64} value={operator} onInput={(e) => setOperator(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorText error={error} />
      </form>
    </main>
  );
}

function Console({ credentials, session, onSignOut }: { credentials: Credentials; session: AdminSession; onSignOut: () => void }) {
  const api = useMemo(() => new AdminApi(credentials, onSignOut), [credentials]);
  const [view, setView] = useState<View>(viewOf(location.hash));
  const [apps, setApps] = useState<AdminApp[]>([]);
  const [app, setApp] = useState<string | undefined>(localStorage.getItem(APP_KEY) ?? undefined);
  const [error, setError] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  const firstView = useRef(true);

  const loadApps = async () => {
    try {
      const list = (await api.get<{ apps: AdminApp[] }>('/apps')).apps;
      setApps(list);
      setApp((current) => (current && list.some((a) => a.id === current) ? current : list[0]?.id));
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => void loadApps(), [api]);
  useEffect(() => {
    const onHash = () => setView(viewOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    // Keyboard and screen-reader users land on the new view's heading.
    if (firstView.current) firstView.current = false;
    else heading.current?.focus();
    document.title = `${VIEWS[view]} · Parley console`;
  }, [view]);
  const choose = (id: string) => {
    setApp(id);
    localStorage.setItem(APP_KEY, id);
  };

  const needsApp = PER_APP.has(view);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Parley console</p>
        <p class="session">
          {session.cluster ? 'cluster' : 'single node'} · answered by <span class="mono">{session.node}</span> · v{session.version}
        </p>
        <div class="field app-picker">
          <label for="app-picker">App</label>
          <select id="app-picker" value={app ?? ''} onChange={(e) => choose(e.currentTarget.value)}>
            {apps.map((a) => (
              <option key={a.id} value={a.id}>
                {a.id}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="secondary" id="sign-out" onClick={onSignOut}>
          Sign out
        </button>
        <nav aria-label="Console">
          <ul>
            {(Object.keys(VIEWS) as View[]).map((v) => (
              <li key={v}>
                <a href={`#/${v}`} aria-current={v === view ? 'page' : undefined}>
                  {VIEWS[v]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main">
        <h2 ref={heading} tabIndex={-1}>
          {VIEWS[view]}
          {needsApp && app ? <span class="for-app"> — {app}</span> : null}
        </h2>
        <ErrorText error={error} />
        {needsApp && !app ? <p>Create an app first (Apps).</p> : null}
        {view === 'overview' ? <Overview api={api} /> : null}
        {view === 'console' && app ? <DebugConsole key={app} api={api} app={app} /> : null}
        {view === 'apps' ? <Apps api={api} selected={app} onSelect={choose} onListChanged={() => void loadApps()} /> : null}
        {view === 'moderation' && app ? <Moderation key={app} api={api} app={app} /> : null}
        {view === 'presence' && app ? <Presence key={app} api={api} app={app} /> : null}
        {view === 'audit' ? <AuditLog api={api} app={app} /> : null}
      </main>
    </>
  );
}

function Root() {
  const [signedIn, setSignedIn] = useState<{ credentials: Credentials; session: AdminSession }>();
  const [checking, setChecking] = useState(true);

  useEffect(() => {
    // A reload in the same tab signs in again with the token kept there.
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return setChecking(false);
    const credentials = { token, operator: localStorage.getItem(OPERATOR_KEY) ?? '' };
    new AdminApi(credentials)
      .get<AdminSession>('/session')
      .then((session) => setSignedIn({ credentials, session }))
      .catch(() => sessionStorage.removeItem(TOKEN_KEY))
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <p class="loading">Loading…</p>;
  if (!signedIn)
    return (
      <SignIn
        onSignedIn={(credentials, session) => {
          sessionStorage.setItem(TOKEN_KEY, credentials.token);
          localStorage.setItem(OPERATOR_KEY, credentials.operator);
          setSignedIn({ credentials, session });
        }}
      />
    );
  return (
    <Console
      credentials={signedIn.credentials}
      session={signedIn.session}
      onSignOut={() => {
        sessionStorage.removeItem(TOKEN_KEY);
        setSignedIn(undefined);
      }}
    />
  );
}

render(<Root />, document.getElementById('root')!);
