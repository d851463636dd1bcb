import { describe, expect, it } from 'vitest';
import { checkChannelId, checkMeta, decodeCursor, encodeCursor, mergeMeta, page, pageLimit, removeMetaKeys } from './rules.ts';

describe('chat field rules', () => {
  it('name the field in their messages', () => {
    expect(() => pageLimit(0)).toThrow('limit must be between 1 and 100');
    expect(pageLimit(undefined)).toBe(20);
    expect(() => checkChannelId('AB')).toThrow(/^channel_id must be 4-80/);
    expect(() => checkMeta({ a: 1 })).toThrow('meta.a must be a string');
    expect(() => checkMeta([])).toThrow('meta must be an object of strings');
  });

  it('keep __proto__ and constructor keys as own data', () => {
    const meta = checkMeta(JSON.parse('{"__proto__":"x","constructor":"y"}'));
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.keys(meta)).toEqual(['__proto__', 'constructor']);
    const merged = mergeMeta(meta, { k: 'v' });
    expect(JSON.stringify(merged)).toBe('{"__proto__":"x","constructor":"y","k":"v"}');
    expect(({} as Record<string, unknown>).k).toBeUndefined();
    expect(removeMetaKeys(merged, ['__proto__'])).toEqual({ constructor: 'y', k: 'v' });
  });

  it('page with limit + 1 rows and opaque cursors', () => {
    expect(page([1, 2, 3], 2, String)).toEqual({ items: [1, 2], next: encodeCursor('2') });
    expect(page([1, 2], 2, String)).toEqual({ items: [1, 2], next: null });
    expect(decodeCursor(encodeCursor('user:é'))).toBe('user:é');
    expect(() => decodeCursor('a/b')).toThrow(/^next /);
  });
});
