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
