import { describe, expect, it, vi } from 'vitest';
import { Payload } from './payload.ts';

describe('Payload', () => {
  it('keeps the JSON it was given and parses it only when values are asked for', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const p = Payload.fromJson('[{"t":"한글"},2]');
    expect(p.json).toBe('[{"t":"한글"},2]');
    expect(p.eventJson('news')).toBe('["news",{"t":"한글"},2]');
    expect(parse).not.toHaveBeenCalled();
    expect(p.args).toEqual([{ t: '한글' }, 2]);
    parse.mockRestore();
  });

  it('serialises values once, however many writers ask', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const p = Payload.of([{ a: 1 }]);
    expect(p.json).toBe('[{"a":1}]');
    expect(p.json).toBe('[{"a":1}]');
    expect(p.eventJson('e')).toBe('["e",{"a":1}]');
    expect(stringify.mock.calls.filter(([v]) => typeof v !== 'string')).toHaveLength(1);
    expect(Payload.of([]).eventJson('e')).toBe('["e"]');
    stringify.mockRestore();
  });
});
