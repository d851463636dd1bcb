/**
 * The chat Platform API (`/v1`, headers `APP_ID` + `APP_API_KEY`, DESIGN.md) over keep-alive node:http
 * connections: the chat scenario's setup calls and its measured message sends go through one of these.
 */
import { Agent, request } from 'node:http';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface PlatformApi {
  /** One call; the body is parsed when it is JSON. */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer>;
  /** A call that must answer `expected`, else it throws with what came back (setup, not measured). */
  must(expected: number, method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown>;
  close(): void;
}

export function createPlatformApi(baseUrl: string, appId: string, apiKey: string, maxSockets = 16): PlatformApi {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const call: PlatformApi['call'] = (method, path, body) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { APP_ID: appId, APP_API_KEY: apiKey };
    if (text !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    return new Promise((resolve, reject) => {
      const req = request(new URL(`/v1${path}`, baseUrl), { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = JSON.parse(raw) as unknown;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', reject);
      req.end(text);
    });
  };
  return {
    call,
    async must(expected, method, path, body) {
      const res = await call(method, path, body);
      if (res.status !== expected) throw new Error(`${method} /v1${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    close: () => agent.destroy(),
  };
}

/** Runs `work(i)` for i in 0..count-1 with at most `concurrency` at once. */
export async function forEachLimited(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
}
