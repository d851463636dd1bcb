/**
 * A payload's first characters as JSON, for the debug console. It stops as soon as it has `max`
 * characters, so a 1 MB publication costs what its first few hundred bytes cost, not a full
 * JSON.stringify: watching must never slow delivery.
 */

export interface Preview {
  text: string;
  truncated: boolean;
}

/** JSON text of `value` cut at `max` characters (strings are shown as JSON strings, quotes included). */
export function previewJson(value: unknown, max: number): Preview {
  let out = '';
  // Each entry is a value still to write, one to read from its object when its turn comes (so that a
  // large object's values are never all touched), or a piece of punctuation.
  const stack: Array<{ value: unknown } | { text: string } | { from: Record<string, unknown>; key: string }> = [{ value }];
  while (stack.length > 0 && out.length <= max) {
    const item = stack.pop()!;
    if ('text' in item) {
      out += item.text;
      continue;
    }
    const v = 'from' in item ? item.from[item.key] : item.value;
    if (v === null || typeof v !== 'object') {
      out += scalar(v, max - out.length + 1);
      continue;
    }
    if (Array.isArray(v)) {
      stack.push({ text: ']' });
      for (let i = Math.min(v.length, max) - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push({ text: ',' });
      }
      out += '[';
      continue;
    }
    const keys = Object.keys(v);
    stack.push({ text: '}' });
    for (let i = Math.min(keys.length, max) - 1; i >= 0; i--) {
      const key = keys[i]!;
      stack.push({ from: v as Record<string, unknown>, key });
      stack.push({ text: `${JSON.stringify(key.length > max ? key.slice(0, max) : key)}:` });
      if (i > 0) stack.push({ text: ',' });
    }
    out += '{';
  }
  const truncated = out.length > max || stack.length > 0;
  return { text: truncated ? `${out.slice(0, max)}…` : out, truncated };
}

/** One JSON scalar; long strings are cut before they are quoted (at most `room` characters are needed). */
function scalar(v: unknown, room: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > room ? v.slice(0, room) : v).slice(0, v.length > room ? -1 : undefined);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  return 'null';
}
