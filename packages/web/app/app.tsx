/**
 * The demo page: a header with the signed-in user and the connection's state, then the sign-in screen
 * or the chat. Signing in connects the SDK (the `Parley` global of the SDK bundle) and hands the
 * connected client to a {@link ChatStore}; the page's title counts unread messages.
 */
import type { Client, ConnectionState } from '@parley/sdk';
import { useEffect, useState } from 'preact/hooks';
import { ChatScreen } from './chat-screen.tsx';
import { ChatStore } from './chat-store.ts';
import { describeError } from './format.ts';
import { forgetSession, rememberSession, savedSession, type Session } from './session.ts';
import { SignIn } from './sign-in.tsx';

declare global {
  // Set by the SDK bundle.
  var Parley: { Client: typeof Client };
}

interface Connection {
  state: ConnectionState | 'failed';
  detail: string;
}

const STATE_TEXT: Record<Connection['state'], string> = {
  connected: 'connected',
  connecting: 'connecting',
  reconnecting: 'reconnecting',
  disconnected: 'disconnected',
  failed: 'reconnection failed',
};

export function App() {
  const [store, setStore] = useState<ChatStore>();
  const [connection, setConnection] = useState<Connection>({ state: 'disconnected', detail: STATE_TEXT.disconnected });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const show = (state: Connection['state'], detail = STATE_TEXT[state]) => setConnection({ state, detail });

  const signIn = async (make: () => Promise<Session>) => {
    setError('');
    setBusy(true);
    let client: Client | undefined;
    try {
      const session = await make();
      client = new Parley.Client({ app_id: session.app_id, url: location.origin, session_token: session.session_token });
      const c = client;
      show('connecting');
      const chat = new ChatStore(c, session.user_id);
      c.on('connected', () => show('connected'));
      c.on('reconnectTry', (n) => show('reconnecting', `reconnecting (${n})`));
      c.on('reconnectSucceed', () => {
        show('connected');
        void chat.run('Could not reload after reconnecting', () => chat.refresh());
      });
      c.on('reconnectFailed', () => show('failed'));
      c.on('disconnected', () => setConnection((now) => (now.state === 'failed' ? now : { state: 'disconnected', detail: STATE_TEXT.disconnected })));
      c.on('error', (err) => chat.failed('Connection', err));
      await c.connectUser({ user_id: session.user_id });
      rememberSession(session);
      await chat.start();
      setStore(chat);
    } catch (err) {
      client?.disconnectUser();
      show('disconnected');
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const saved = savedSession();
    if (saved) void signIn(async () => saved);
  }, []);

  const signOut = () => {
    forgetSession();
    store?.client.disconnectUser();
    location.reload();
  };

  return (
    <>
      {store ? (
        <a class="skip" href="#conversation">
          Skip to the conversation
        </a>
      ) : null}
      <header class="top">
        <h1>Parley</h1>
        <span id="me">{store?.me ?? ''}</span>
        <span id="state" class={`state ${connection.state}`} role="status">
          {connection.detail}
        </span>
        {store ? (
          <button id="logout" type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        ) : null}
      </header>
      {store ? <ChatScreen store={store} /> : <SignIn onSession={(make) => void signIn(make)} error={error} busy={busy} />}
    </>
  );
}
