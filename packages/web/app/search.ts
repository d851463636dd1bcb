/**
 * Message search on the demo page, over every channel I am in (client.groupChannel.searchMessages):
 * newest first, more on demand; a hit opens its channel (a reply: its thread too).
 */
import type { SearchHit } from '@parley/sdk';
import type { ChatStore } from './chat-store.ts';

/** How long the message a hit opened stays marked. */
const FOUND_MS = 6_000;

export interface SearchState {
  query: string;
  hits: SearchHit[];
  next: string | null;
  loading: boolean;
}

export class Search {
  state: SearchState | undefined;

  constructor(private readonly store: ChatStore) {}

  async find(query: string): Promise<void> {
    const q = query.trim();
    if (q === '') {
      this.clear();
      return;
    }
    const state: SearchState = { query: q, hits: [], next: null, loading: true };
    this.state = state;
    this.store.changed();
    const result = await this.store.run('Could not search', () => this.store.client.groupChannel.searchMessages(q, { limit: 20 }));
    if (this.state !== state) return;
    this.state = { ...state, hits: result?.messages ?? [], next: result?.next ?? null, loading: false };
    this.store.changed();
  }

  async more(): Promise<void> {
    const s = this.state;
    if (!s?.next) return;
    const result = await this.store.run('Could not search', () => this.store.client.groupChannel.searchMessages(s.query, { limit: 20, next: s.next! }));
    if (this.state !== s || !result) return;
    this.state = { ...s, hits: [...s.hits, ...result.messages], next: result.next };
    this.store.changed();
  }

  clear(): void {
    this.state = undefined;
    this.store.changed();
  }

  /** Opens the hit's channel and points at the message when it is among the loaded ones. */
  async open(hit: SearchHit): Promise<void> {
    await this.store.run(`Could not open ${hit.channel_id}`, async () => {
      await this.store.open(hit.channel_id);
      const parentId = hit.parent_message_id;
      const found = { channelId: hit.channel_id, messageId: parentId ?? hit.message_id };
      this.store.found = found;
      this.store.changed();
      // The mark is a pointer, not a state: it fades once the reader had time to see it.
      setTimeout(() => {
        if (this.store.found !== found) return;
        this.store.found = undefined;
        this.store.changed();
      }, FOUND_MS);
      // A reply: its thread shows beside the parent.
      if (parentId !== undefined) await this.store.threads.show(await this.store.client.groupChannel.getMessage(hit.channel_id, parentId));
    });
  }
}
