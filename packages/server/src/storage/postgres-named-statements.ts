/**
 * PostgreSQL parses and plans every statement it is sent, unless the statement was prepared under a
 * name on that connection. The hot queries (prepared-queries.ts: a send's statements, the outbox's)
 * go as named statements: each connection prepares one the first time it runs it, and afterwards
 * sends only its parameters. Every other query goes unnamed as before, since their texts vary (IN
 * lists of any length) and each name is held by every connection until it closes.
 */
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** SQL text → its statement name. */
const names = new Map<string, string>();
/** Names handed out at most: past it, a text goes unnamed (a bound on what each connection holds). */
const MAX_NAMED = 512;

/** Sends `sql` as a named statement from now on. */
export function nameStatement(sql: string): void {
  if (!names.has(sql) && names.size < MAX_NAMED) names.set(sql, `parley_${names.size}`);
}

/** The pool as Kysely's dialect takes it, its clients sending the named texts by name. */
export function withNamedStatements(pool: pg.Pool): PostgresPool {
  const patched = new WeakSet<pg.PoolClient>();
  return {
    async connect() {
      const client = await pool.connect();
      if (!patched.has(client)) {
        patched.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        Object.defineProperty(client, 'query', {
          value: (text: unknown, values?: unknown) => {
            const name = typeof text === 'string' ? names.get(text) : undefined;
            if (name) return query({ name, text, values });
            return values === undefined ? query(text) : query(text, values);
          },
        });
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
