import { describe, expect, it } from 'vitest';
import { applyWordFilter } from './word-filter.ts';

describe('word filter', () => {
  it('masks every occurrence case-insensitively, one * per character, Korean included', () => {
    expect(applyWordFilter({ words: ['darn', '바보'], mode: 'mask' }, 'DARN it, darnit 바보야')).toEqual({ refused: false, text: '**** it, ****it **야' });
  });
  it('masks a longer word whole when it contains a shorter one', () => {
    expect(applyWordFilter({ words: ['ab', 'abc'], mode: 'mask' }, 'xabcx')).toEqual({ refused: false, text: 'x***x' });
  });
  it('treats words literally (no pattern syntax)', () => {
    expect(applyWordFilter({ words: ['a.c'], mode: 'mask' }, 'abc a.c')).toEqual({ refused: false, text: 'abc ***' });
  });
  it('refuses in block mode, each time (no regex state carried between calls)', () => {
    const filter = { words: ['darn'], mode: 'block' as const };
    expect(applyWordFilter(filter, 'oh darn')).toEqual({ refused: true });
    expect(applyWordFilter(filter, 'oh darn')).toEqual({ refused: true });
    expect(applyWordFilter(filter, 'oh dear')).toEqual({ refused: false, text: 'oh dear' });
  });
  it('passes text through without a filter or words', () => {
    expect(applyWordFilter(undefined, 'darn')).toEqual({ refused: false, text: 'darn' });
    expect(applyWordFilter({ words: [], mode: 'block' }, 'darn')).toEqual({ refused: false, text: 'darn' });
  });
});
