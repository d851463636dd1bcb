/**
 * Kysely's SQLite driver prepares every query's SQL again on each call; with a handful of distinct
 * statements per chat request that was an eighth of the server's CPU under a send load. This wrapper
 * hands Kysely the same prepared statement for the same SQL text, keeping the most recent few hundred
 * (queries with `in (?, ?, …)` lists produce many texts).
 */
import type { Database as SqliteFile, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

const MAX_STATEMENTS = 500;

export function withStatementCache(file: SqliteFile): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => file.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last, so that the first key is the one to evict.
        statements.delete(sql);
      } else {
        statement = file.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
