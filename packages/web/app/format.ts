/** How the demo page words things: errors, times and lists of names. */

/** An SDK error as `message (code)`; anything else as its text. */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    const code = 'code' in err && typeof err.code === 'number' && err.code !== 0 ? ` (${err.code})` : '';
    return `${String(err.message)}${code}`;
  }
  return String(err);
}

/** The SDK error code of a failure, when it has one. */
export const codeOf = (err: unknown): number | undefined =>
  err && typeof err === 'object' && 'code' in err && typeof err.code === 'number' ? err.code : undefined;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

const sameDay = (a: Date, b: Date): boolean => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** `14:03` today, `Tue, Dec 1, 14:03` on another day. */
export function shortTime(ms: number, now = new Date()): string {
  const d = new Date(ms);
  return sameDay(d, now) ? timeFormat.format(d) : `${dayFormat.format(d)}, ${timeFormat.format(d)}`;
}

/** The full date and time, for a tooltip and screen readers. */
export const fullTime = (ms: number): string => fullFormat.format(new Date(ms));

/** `alice`, `alice and bob`, `alice, bob and carol`, `4 people`. */
export function names(list: readonly string[]): string {
  if (list.length > 3) return `${list.length} people`;
  if (list.length <= 1) return list[0] ?? '';
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/** `alice is typing…`, `alice and bob are typing…`, or nothing. */
export function typingLine(userNames: readonly string[]): string {
  if (userNames.length === 0) return '';
  return `${names(userNames)} ${userNames.length === 1 ? 'is' : 'are'} typing…`;
}
