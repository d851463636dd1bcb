import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { CommitWatch } from './commit-watch.ts';

interface Db {
  chat_outbox: { id: number };
  other: { id: number };
}

describe('the commit watch on a real SQLite database', () => {
  let db: Kysely<Db> | undefined;
  afterEach(async () => db?.destroy());

  it('tells after the commit of a transaction that inserted into the table, never before it nor after a rollback', async () => {
    const watch = new CommitWatch();
    const told: string[] = [];
    watch.onInsertCommitted('chat_outbox', () => told.push('committed'));
    db = new Kysely<Db>({ dialect: watch.dialect(new SqliteDialect({ database: new SQLite(':memory:') })) });
    await sql`create table chat_outbox (id integer primary key)`.execute(db);
    await sql`create table other (id integer primary key)`.execute(db);

    await db.transaction().execute(async (tx) => {
      await tx.insertInto('chat_outbox').values({ id: 1 }).execute();
      await tx.insertInto('chat_outbox').values({ id: 2 }).execute();
      told.push('inserted');
    });
    expect(told).toEqual(['inserted', 'committed']);

    await expect(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('chat_outbox').values({ id: 3 }).execute();
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    await db.transaction().execute((tx) => tx.insertInto('other').values({ id: 1 }).execute());
    expect(told).toEqual(['inserted', 'committed']);

    // Outside a transaction the statement is its own commit.
    await db.insertInto('chat_outbox').values({ id: 4 }).execute();
    expect(told).toEqual(['inserted', 'committed', 'committed']);
    expect(await db.selectFrom('chat_outbox').select('id').orderBy('id').execute()).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
  });
});
