/** The sign-in screen: a demo user by name (a dev token from the demo server), or a pasted session token. */
import { useState } from 'preact/hooks';
import { devSession, type Session } from './session.ts';

const PICKS = ['alice', 'bob', 'carol'];

export function SignIn({ onSession, error, busy }: { onSession: (make: () => Promise<Session>) => void; error: string; busy: boolean }) {
  const [userId, setUserId] = useState('');
  const [manual, setManual] = useState({ app_id: '', user_id: '', token: '' });
  return (
    <section id="login" aria-labelledby="login-title">
      <h2 id="login-title" class="visually-hidden">
        Sign in
      </h2>
      <form
        id="dev-login"
        class="card"
        aria-labelledby="dev-login-title"
        onSubmit={(e) => {
          e.preventDefault();
          onSession(() => devSession(userId.trim()));
        }}
      >
        <h3 id="dev-login-title">Sign in (demo app)</h3>
        <p>Pick a user name; the demo server creates it (each name once) and this browser keeps its token to come back as it.</p>
        <div class="picks" role="group" aria-label="Demo users">
          {PICKS.map((name) => (
            <button type="button" data-user={name} key={name} disabled={busy} onClick={() => onSession(() => devSession(name))}>
              {name}
            </button>
          ))}
        </div>
        <label class="field">
          <span>or any user id</span>
          <input name="user_id" pattern="[A-Za-z0-9_\-]{1,64}" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <form
        id="token-login"
        class="card"
        aria-labelledby="token-login-title"
        onSubmit={(e) => {
          e.preventDefault();
          const v = { app_id: manual.app_id.trim(), user_id: manual.user_id.trim(), session_token: manual.token.trim() };
          onSession(async () => v);
        }}
      >
        <h3 id="token-login-title">Sign in with a session token</h3>
        {(['app_id', 'user_id', 'token'] as const).map((key) => (
          <label class="field" key={key}>
            <span>{key === 'app_id' ? 'App id' : key === 'user_id' ? 'User id' : 'Session token'}</span>
            <input name={key} required value={manual[key]} onInput={(e) => setManual({ ...manual, [key]: e.currentTarget.value })} />
          </label>
        ))}
        <button type="submit" disabled={busy}>
          Connect
        </button>
      </form>
      <p id="login-error" class="error" role="alert">
        {error}
      </p>
    </section>
  );
}
