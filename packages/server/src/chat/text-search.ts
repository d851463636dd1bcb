/**
 * The one query difference between the engines the chat needs: a case-sensitive substring test. SQLite's
 * LIKE ignores ASCII case and PostgreSQL's does not, so both use a position function instead.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Engine } from '../storage/database.ts';

export type Contains = (column: string, needle: string) => RawBuilder<boolean>;

export function containsFor(engine: Engine): Contains {
  return engine === 'postgres'
    ? (column, needle) => sql<boolean>`strpos(${sql.ref(column)}, ${needle}) > 0`
    : (column, needle) => sql<boolean>`instr(${sql.ref(column)}, ${needle}) > 0`;
}

/**
 * A case-insensitive (English letters) substring test of a message's `content`, through each engine's
 * index (migration 0016_message_search): PostgreSQL's ILIKE, which pg_trgm's GIN index serves (and
 * shorter needles through a scan of the index, still correct); SQLite's FTS5 trigram index for needles
 * of a trigram or more. A shorter needle (`안녕`, `hi`) has no trigram to look up: SQLite then tests
 * LIKE on the rows the query's other conditions leave (the caller's channels, the channel asked for):
 * a scan bounded by those, not by the index.
 */
export type SubstringMatch = (table: string, needle: string) => RawBuilder<boolean>;

/** Characters of a needle, not UTF-16 units: a trigram is three of them. */
const TRIGRAM = 3;
const likePattern = (needle: string): string => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function substringMatchFor(engine: Engine): SubstringMatch {
  if (engine === 'postgres') return (table, needle) => sql<boolean>`${sql.ref(`${table}.content`)} ilike ${likePattern(needle)} escape '\\'`;
  return (table, needle) =>
    [...needle].length < TRIGRAM
      ? sql<boolean>`${sql.ref(`${table}.content`)} like ${likePattern(needle)} escape '\\'`
      : // One FTS5 phrase (its quotes doubled): the needle's trigrams in a row, which is a substring match.
        sql<boolean>`${sql.ref(`${table}.rowid`)} in (select rowid from chat_messages_fts where chat_messages_fts match ${`"${needle.replaceAll('"', '""')}"`})`;
}
