/**
 * The hot queries go to PostgreSQL as named statements (storage/postgres-named-statements.ts): each
 * connection prepares one once, then sends only its parameters; every other text goes unnamed.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameStatement, withNamedStatements } from '../packages/server/src/storage/postgres-named-statements.ts';
import { PreparedQueries } from '../packages/server/src/storage/prepared-queries.ts';
import { createTestDatabase, postgresAvailable } from './support/services.ts';

interface Db {
  t: { id: number; v: string };
}

describe.skipIf(!(await postgresAvailable()))('named statements on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let db: Kysely<Db>;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection, so that the statements it holds can be listed from it.
    db = new Kysely<Db>({ dialect: new PostgresDialect({ pool: withNamedStatements(new pg.Pool({ connectionString: database.url, max: 1 })) }) });
    await sql`create table t (id integer primary key, v text not null)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const held = async () => (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements order by name`.execute(db)).rows;

  it('prepares a prepared query once per connection and runs it by name with each run’s values', async () => {
    const prepared = new PreparedQueries();
    const insert = (id: number, v: string) => prepared.run(db, 'insert t', [id, v], ([i, w]) => db.insertInto('t').values({ id: i as number, v: w as string }));
    for (let i = 1; i <= 3; i++) await insert(i, `v${i}`);
    await db.transaction().execute((tx) => prepared.run(tx, 'insert t', [4, 'v4'], () => db.insertInto('t').values({ id: 0, v: '' })));
    expect(await db.selectFrom('t').select(['id', 'v']).orderBy('id').execute()).toEqual([1, 2, 3, 4].map((id) => ({ id, v: `v${id}` })));
    const named = (await held()).filter((s) => s.statement.startsWith('insert into "t"'));
    expect(named).toHaveLength(1);
    expect(named[0]!.name).toMatch(/^parley_\d+$/);
  });

  it('sends other texts unnamed, and names a text marked hot from then on', async () => {
    const before = (await held()).length;
    await db.selectFrom('t').selectAll().where('id', 'in', [1, 2]).execute();
    expect(await held()).toHaveLength(before);
    nameStatement('select count(*)::int as n from "t"');
    expect((await sql<{ n: number }>`select count(*)::int as n from "t"`.execute(db)).rows).toEqual([{ n: 4 }]);
    expect((await held()).map((s) => s.statement)).toContain('select count(*)::int as n from "t"');
  });
});
