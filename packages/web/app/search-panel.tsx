/**
 * The search box above the channel list: messages of all my channels containing the words, newest
 * first, each hit with its channel, sender, time and text; a hit is a button that opens its channel
 * (a reply: its thread too) at the message.
 */
import type { SearchHit } from '@parley/sdk';
import { useState } from 'preact/hooks';
import { fullTime, shortTime } from './format.ts';
import { useStore } from './use-store.ts';

export function SearchPanel() {
  const store = useStore();
  const [query, setQuery] = useState('');
  const s = store.search.state;
  return (
    <section id="search" class="search" aria-labelledby="search-title">
      <h2 id="search-title" class="visually-hidden">
        Search messages
      </h2>
      <form
        role="search"
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          void store.search.find(query);
        }}
      >
        <label for="search-input" class="visually-hidden">
          Search messages in your channels
        </label>
        <input id="search-input" type="search" name="query" maxLength={100} placeholder="Text to find" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button type="submit" class="secondary">
          Search
        </button>
      </form>
      {s ? (
        <div class="search-results">
          <p class="search-status" role="status">
            {s.loading ? 'Searching…' : s.hits.length === 0 ? `Nothing found for “${s.query}”.` : `${s.hits.length}${s.next ? '+' : ''} found for “${s.query}”`}
          </p>
          <ul id="search-hits">
            {s.hits.map((hit) => (
              <Hit key={`${hit.channel_id}/${hit.message_id}`} hit={hit} />
            ))}
          </ul>
          <span class="form-buttons">
            {s.next ? (
              <button type="button" class="secondary small" onClick={() => void store.search.more()}>
                More results
              </button>
            ) : null}
            <button
              type="button"
              class="secondary small"
              onClick={() => {
                setQuery('');
                store.search.clear();
              }}
            >
              Clear search
            </button>
          </span>
        </div>
      ) : null}
    </section>
  );
}

function Hit({ hit }: { hit: SearchHit }) {
  const store = useStore();
  const who = hit.user?.name || hit.user?.user_id || '';
  return (
    <li data-channel={hit.channel_id} data-id={hit.message_id}>
      <button type="button" onClick={() => void store.search.open(hit)}>
        <span class="channel-line">
          <span class="hit-channel">{hit.channel.name || hit.channel_id}</span>
          <time dateTime={new Date(hit.created_at).toISOString()} title={fullTime(hit.created_at)}>
            {shortTime(hit.created_at)}
          </time>
        </span>
        <span class="hit-text">
          <span class="hit-who">{who}:</span> {hit.type === 'file' ? (hit.file?.name ?? 'a file') : hit.content}
        </span>
      </button>
    </li>
  );
}
