import { describe, expect, it } from 'vitest';
import { channelKind, channelNameProblem, isMemberListed, needsAuthorisation } from './channels.ts';

describe('channel names', () => {
  it('accepts 1-200 characters of [A-Za-z0-9_-]', () => {
    for (const ok of ['a', 'A-z_09', 'x'.repeat(200), 'private_a', 'presence_-', 'member_1']) expect(channelNameProblem(ok)).toBeUndefined();
  });

  it('refuses empty, long, non-ASCII, punctuation, bare prefixes and non-strings', () => {
    for (const bad of ['', 'x'.repeat(201), '한글', 'a b', 'a.b', 'a/b', 'private_', 'member_', 'presence_', '__proto__!']) {
      expect(channelNameProblem(bad)).toBeTypeOf('string');
    }
    for (const bad of [undefined, null, 5, {}, ['a']]) expect(channelNameProblem(bad)).toMatch(/string/);
  });

  it('derives the kind from the prefix', () => {
    expect(channelKind('room')).toBe('public');
    expect(channelKind('private_x')).toBe('private');
    expect(channelKind('member_x')).toBe('member');
    expect(channelKind('presence_x')).toBe('presence');
    expect(channelKind('privatex')).toBe('public');
    expect(needsAuthorisation('room')).toBe(false);
    expect(needsAuthorisation('member_x')).toBe(true);
    expect(isMemberListed('private_x')).toBe(false);
    expect(isMemberListed('presence_x')).toBe(true);
  });
});
