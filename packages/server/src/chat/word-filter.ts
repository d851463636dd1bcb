/**
 * An app's word filter (PUT /v1/application/settings, DESIGN.md "Moderation"): words matched
 * case-insensitively as substrings of a message's text, Korean and English alike. `block` refuses the
 * message (1020), `mask` replaces each occurrence with one `*` per character.
 */
import type { WordFilterMode } from '@parley/protocol';

export interface WordFilterSettings {
  words: readonly string[];
  mode: WordFilterMode;
}

export type FilterOutcome = { refused: true } | { refused: false; text: string };

const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Compiled once per settings object: AppService caches an app's settings (and so this array) for a while.
const compiled = new WeakMap<readonly string[], RegExp>();

function patternOf(words: readonly string[]): RegExp {
  let re = compiled.get(words);
  if (!re) {
    // Longest first, so that a word containing another is masked whole.
    const sorted = [...words].sort((a, b) => b.length - a.length);
    re = new RegExp(sorted.map(escape).join('|'), 'giu');
    compiled.set(words, re);
  }
  re.lastIndex = 0;
  return re;
}

/**
 * What the filter does to `text`.
 * @example applyWordFilter({ words: ['darn'], mode: 'mask' }, 'Darn it') // { refused: false, text: '**** it' }
 */
export function applyWordFilter(filter: WordFilterSettings | undefined, text: string): FilterOutcome {
  if (!filter || filter.words.length === 0 || text === '') return { refused: false, text };
  const re = patternOf(filter.words);
  if (filter.mode === 'block') return re.test(text) ? { refused: true } : { refused: false, text };
  return { refused: false, text: text.replace(re, (match) => '*'.repeat([...match].length)) };
}
