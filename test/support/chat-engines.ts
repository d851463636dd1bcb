/**
 * The chat suites run once per storage engine: SQLite (the default) and PostgreSQL (a fresh database
 * per file through createTestDatabase). `postgresAvailable()` decides skip (locally) versus fail (CI).
 */
import pg from 'pg';
import { createTestDatabase, POSTGRES_ADMIN_URL, postgresAvailable } from './services.ts';
import { startParley, type StartOptions, type TestParley } from './start-parley.ts';

export interface ChatEngine {
  name: 'sqlite' | 'postgres';
  /** False when the engine is not reachable here (PostgreSQL outside CI). */
  available(): Promise<boolean>;
  start(options?: StartOptions): Promise<TestParley>;
}

export const CHAT_ENGINES: ChatEngine[] = [
  { name: 'sqlite', available: async () => true, start: (options) => startParley(options) },
  {
    name: 'postgres',
    available: () => postgresAvailable(),
    async start(options = {}) {
      const db = await createTestDatabase();
      const tp = await startParley({ ...options, env: { ...options.env, DATABASE_URL: db.url } });
      return {
        ...tp,
        async stop() {
          await tp.stop();
          await connectionsGone(new URL(db.url).pathname.slice(1));
          await db.drop();
        },
      };
    },
  },
];

/**
 * pg's pool resolves `end()` before its connections have closed; dropping the database `with (force)`
 * at that moment kills them and their late error escapes. So the drop waits until they are gone.
 */
async function connectionsGone(database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    for (let i = 0; i < 100; i++) {
      const { rows } = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [database]);
      if (Number(rows[0]?.n ?? 0) === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await admin.end();
  }
}

/** The engines with `skip` set for those not reachable here (decided once per test file). */
export async function engineCases(): Promise<Array<ChatEngine & { skip: boolean }>> {
  return Promise.all(CHAT_ENGINES.map(async (e) => ({ ...e, skip: !(await e.available()) })));
}

export interface PlatformAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** A Platform API caller bound to a server and an app's credentials. */
export function platformClient(url: string, appId: string, apiKey: string) {
  return async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<PlatformAnswer<T>> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { APP_ID: appId, APP_API_KEY: apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: res.headers };
  };
}
