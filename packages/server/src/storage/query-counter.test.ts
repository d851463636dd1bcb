import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryCounter, uncounted } from './query-counter.ts';
import { SqliteRowLocksPlugin } from './sqlite-row-locks.ts';

interface Db {
  t: { id: number; v: string };
}

describe('the storage plugins on a real SQLite database', () => {
  let db: Kysely<Db> | undefined;
  afterEach(async () => db?.destroy());

  function open(counter: QueryCounter): Kysely<Db> {
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }), plugins: [counter, new SqliteRowLocksPlugin()] });
    return db;
  }

  it('counts every executed statement and records, while asked, what each one was', async () => {
    const counter = new QueryCounter();
    const k = open(counter);
    await sql`create table t (id integer primary key, v text not null)`.execute(k);
    const recording = counter.record();
    await k.insertInto('t').values({ id: 1, v: 'a' }).execute();
    await k.transaction().execute(async (tx) => {
      await tx.updateTable('t').set({ v: 'b' }).where('id', '=', 1).execute();
      await tx.selectFrom('t as x').selectAll().execute();
    });
    await k.deleteFrom('t').where('id', '=', 1).execute();
    expect(recording.stop()).toEqual(['insert t', 'update t', 'select t', 'delete t']);
    await k.selectFrom('t').selectAll().execute();
    // A stopped recording keeps what it had; the total goes on (BEGIN and COMMIT are the driver's, not counted).
    expect(recording.queries).toHaveLength(4);
    expect(counter.executed).toBe(6);
  });

  it('leaves background work out of recordings, however its statements interleave with a request’s', async () => {
    const counter = new QueryCounter();
    const k = open(counter);
    await sql`create table t (id integer primary key, v text not null)`.execute(k);
    const recording = counter.record();
    await Promise.all([uncounted(async () => void (await k.selectFrom('t').selectAll().execute())), k.insertInto('t').values({ id: 1, v: 'a' }).execute()]);
    await uncounted(() => k.updateTable('t').set({ v: 'b' }).execute());
    expect(recording.stop()).toEqual(['insert t']);
    expect(counter.executed).toBe(4);
  });

  it('lets a row-locking read run on SQLite, which has no FOR UPDATE', async () => {
    const file = new SQLite(':memory:');
    file.exec('create table t (id integer primary key, v text not null); insert into t values (1, \'a\')');
    const bare = new Kysely<Db>({ dialect: new SqliteDialect({ database: file }) });
    await expect(bare.selectFrom('t').selectAll().forUpdate().execute()).rejects.toThrow(/syntax error/);
    db = bare.withPlugin(new SqliteRowLocksPlugin());
    await expect(db.transaction().execute((tx) => tx.selectFrom('t').selectAll().where('id', '=', 1).forUpdate().execute())).resolves.toEqual([{ id: 1, v: 'a' }]);
  });
});
