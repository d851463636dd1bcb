/**
 * The signed-in page: the channel list, the open conversation and a side panel (members …). On a
 * narrow screen one of them fills the width at a time. The document's title counts unread messages.
 */
import { useEffect } from 'preact/hooks';
import { ChannelList } from './channel-list.tsx';
import type { ChatStore } from './chat-store.ts';
import { Conversation } from './conversation.tsx';
import { SidePanel } from './side-panel.tsx';
import { StoreContext, useStore } from './use-store.ts';

const TITLE = 'Parley chat demo';

export function ChatScreen({ store }: { store: ChatStore }) {
  return (
    <StoreContext.Provider value={store}>
      <Layout />
    </StoreContext.Provider>
  );
}

function Layout() {
  const store = useStore();
  const unread = store.totalUnread();
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) ${TITLE}` : TITLE;
  }, [unread]);
  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === 'visible') store.visible();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [store]);
  const classes = ['layout', store.activeId ? 'has-channel' : 'no-channel', store.panel ? 'has-panel' : ''];
  return (
    <>
      <p id="chat-error" class={`error page-error ${store.error ? '' : 'empty'}`} role="alert">
        {store.error}
      </p>
      <main id="chat" class={classes.join(' ')}>
        <ChannelList />
        <Conversation />
        {store.panel ? <SidePanel /> : null}
      </main>
    </>
  );
}
