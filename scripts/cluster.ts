/**
 * `npm run cluster [-- N]`: starts N Parley nodes (default 3) on consecutive ports from PORT (8080)
 * against the local Redis and PostgreSQL, for trying cluster mode by hand. Ctrl-C stops them all.
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/parley (created when missing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';

const count = Number(process.argv[2] ?? 3);
const basePort = Number(process.env.PORT ?? 8080);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley';
const appId = process.env.APP_ID ?? 'demo';
const apiKey = process.env.APP_API_KEY ?? 'demo-cluster-key';

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
  if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  await client.end();
}

async function main(): Promise<void> {
  if (!Number.isInteger(count) || count < 1 || count > 32) throw new Error('node count must be 1-32');
  await ensureDatabase(databaseUrl);
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = basePort + i;
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, APP_ID: appId, APP_API_KEY: apiKey },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    console.log(`node ${i + 1}: http://127.0.0.1:${port}`);
  }
  console.log(`app ${appId}, key ${apiKey}; Redis ${redisUrl}; PostgreSQL ${databaseUrl}`);
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
}

main().catch((err: unknown) => {
  console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
