/** The chat store as a Preact context: components re-render when it changes. */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { ChatStore } from './chat-store.ts';

export const StoreContext = createContext<ChatStore | undefined>(undefined);

/** The store of the signed-in chat; the calling component re-renders on each of its changes. */
export function useStore(): ChatStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside a StoreContext');
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((n) => n + 1)), [store]);
  return store;
}
