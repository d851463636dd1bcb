import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { PreparedQueries } from './prepared-queries.ts';
import { QueryCounter } from './query-counter.ts';
import { SqliteRowLocksPlugin } from './sqlite-row-locks.ts';

interface Db {
  t: { id: number; v: string };
}

describe('prepared queries on a real SQLite database', () => {
  let db: Kysely<Db> | undefined;
  afterEach(async () => db?.destroy());

  async function open(counter = new QueryCounter()): Promise<Kysely<Db>> {
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }), plugins: [counter, new SqliteRowLocksPlugin()] });
    await sql`create table t (id integer primary key, v text not null)`.execute(db);
    return db;
  }

  it('compiles a shape once and runs it with each call’s values, wherever the builder put them', async () => {
    const k = await open();
    const prepared = new PreparedQueries();
    let builds = 0;
    const insert = (rows: [number, string][]) =>
      prepared.run(k, `insert ${rows.length}`, rows.flat(), (v) => {
        builds++;
        return k.insertInto('t').values(rows.map((_, r) => ({ id: v[2 * r] as number, v: v[2 * r + 1] as string })));
      });
    await insert([[1, 'a']]);
    await insert([[2, 'b']]);
    await insert([
      [3, 'c'],
      [4, 'd'],
    ]);
    expect(builds).toBe(2);
    // A constant of the query ('x%' here) stays; the values change per run, inside a transaction too.
    const find = (min: number, max: number) =>
      prepared.run(k, 'find', [min, max], ([lo, hi]) => k.selectFrom('t').select('v').where('id', '>=', lo as number).where('v', 'not like', 'x%').orderBy('id').limit(hi as number));
    expect(await find(2, 2)).toEqual([{ v: 'b' }, { v: 'c' }]);
    expect(await k.transaction().execute((tx) => prepared.run(tx, 'find', [4, 10], () => tx.selectFrom('t').select('v')))).toEqual([{ v: 'd' }]);
    expect(await k.selectFrom('t').select('id').orderBy('id').execute()).toEqual([1, 2, 3, 4].map((id) => ({ id })));
  });

  it('is seen by the plugins at each run: the query budgets count and record it', async () => {
    const counter = new QueryCounter();
    const k = await open(counter);
    const prepared = new PreparedQueries();
    const before = counter.executed;
    const recording = counter.record();
    for (let i = 0; i < 3; i++) await prepared.run(k, 'all', [i], ([id]) => k.selectFrom('t').selectAll().where('id', '=', id as number));
    expect(recording.stop()).toEqual(['select t', 'select t', 'select t']);
    expect(counter.executed - before).toBe(3);
  });

  it('refuses a builder that leaves a value out of the parameters', async () => {
    const k = await open();
    const prepared = new PreparedQueries();
    await expect(prepared.run(k, 'bad', [1, 2], ([id]) => k.selectFrom('t').selectAll().where('id', '=', id as number))).rejects.toThrow(/not all of them parameters/);
  });
});
