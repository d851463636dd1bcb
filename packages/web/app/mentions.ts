/**
 * Mentions on the demo page: the `@` completion's query at the caret, what picking a member puts in
 * the draft, which members a draft mentions when it is sent, and a message's text cut into plain runs
 * and `@name` runs (highlighted; mine more so).
 */
import type { Message, User } from '@parley/sdk';

/** The server's limit of mentions per message. */
export const MENTIONS_MAX = 10;
/** Members offered by the completion at most. */
export const OFFERED_MAX = 6;

/** A member picked in the completion: the name put after the `@`. */
export interface PickedMention {
  userId: string;
  name: string;
}

/** The `@…` being typed just before the caret: where its `@` is and what follows it; undefined when none. */
export function mentionQuery(text: string, caret: number): { at: number; query: string } | undefined {
  const m = /(^|\s)@([^\s@]{0,40})$/.exec(text.slice(0, caret));
  if (!m) return undefined;
  return { at: caret - m[2]!.length - 1, query: m[2]! };
}

/** Members (not me) whose name or user id starts with the query, ignoring case; names in order. */
export function offered(members: Iterable<User>, me: string, query: string, nameOf: (u: User) => string): User[] {
  const q = query.toLowerCase();
  return [...members]
    .filter((u) => u.user_id !== me && (nameOf(u).toLowerCase().startsWith(q) || u.user_id.toLowerCase().startsWith(q)))
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)))
    .slice(0, OFFERED_MAX);
}

/** The draft with the `@query` at `at` replaced by `@name `, and where the caret goes. */
export function insertPicked(text: string, at: number, caret: number, name: string): { text: string; caret: number } {
  const put = `@${name} `;
  const after = text.slice(caret).replace(/^\s+/, '');
  return { text: `${text.slice(0, at)}${put}${after}`, caret: at + put.length };
}

/**
 * Whom a draft mentions: the picked members whose `@name` is still in it, and members written as
 * `@user_id` by hand; at most {@link MENTIONS_MAX}.
 */
export function mentionedIn(content: string, picked: readonly PickedMention[], members: ReadonlyMap<string, User>): string[] {
  const ids = new Set<string>();
  for (const p of picked) if (members.has(p.userId) && content.includes(`@${p.name}`)) ids.add(p.userId);
  for (const m of content.matchAll(/(?:^|\s)@([A-Za-z0-9_.\-@]+)/g)) {
    const id = m[1]!.replace(/[.,!?:;]+$/, '');
    if (members.has(id)) ids.add(id);
  }
  return [...ids].slice(0, MENTIONS_MAX);
}

/** A run of a message's text: plain, or an `@name` of a mentioned member (`me` when it names me). */
export type TextRun = { text: string; mention?: 'me' | 'other' };

/** The text of a message cut at the `@name`s (and `@user_id`s) of the members it mentions. */
export function textRuns(message: Message, me: string, nameOfId: (id: string) => string): TextRun[] {
  const text = message.content ?? '';
  const ids = message.mentioned_user_ids ?? [];
  if (ids.length === 0 || text === '') return [{ text }];
  const tokens = new Map<string, string>();
  for (const id of ids) {
    tokens.set(`@${nameOfId(id)}`, id);
    tokens.set(`@${id}`, id);
  }
  const escaped = [...tokens.keys()].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const runs: TextRun[] = [];
  let from = 0;
  for (const m of text.matchAll(new RegExp(escaped.join('|'), 'g'))) {
    if (m.index > from) runs.push({ text: text.slice(from, m.index) });
    runs.push({ text: m[0], mention: tokens.get(m[0]) === me ? 'me' : 'other' });
    from = m.index + m[0].length;
  }
  if (from < text.length) runs.push({ text: text.slice(from) });
  return runs;
}

/** Whether a message mentions `me`. */
export const mentionsMe = (message: Message, me: string): boolean => (message.mentioned_user_ids ?? []).includes(me);
