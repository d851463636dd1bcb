import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { previewJson } from './activity-preview.ts';

describe('previewJson', () => {
  it('is JSON.stringify for what fits', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const full = JSON.stringify(value);
        const preview = previewJson(value, 10_000);
        if (full.length <= 10_000) expect(preview).toEqual({ text: full, truncated: false });
      }),
    );
  });

  it('is a prefix of JSON.stringify, cut at max characters, for what does not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 60 }), (value, max) => {
        const full = JSON.stringify(value);
        const preview = previewJson(value, max);
        if (full.length > max + 1) {
          expect(preview.truncated).toBe(true);
          expect(preview.text.endsWith('…')).toBe(true);
          expect(preview.text.length).toBe(max + 1);
          expect(full.startsWith(preview.text.slice(0, -1))).toBe(true);
        }
      }),
    );
  });

  it('reads only the start of a huge payload', () => {
    let reads = 0;
    const huge: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) Object.defineProperty(huge, `k${i}`, { enumerable: true, get: () => (reads++, 'x'.repeat(20)) });
    const preview = previewJson(huge, 200);
    expect(preview.text.startsWith('{"k0":"xxxx')).toBe(true);
    expect(preview.truncated).toBe(true);
    expect(reads).toBeLessThan(20);
  });
});
