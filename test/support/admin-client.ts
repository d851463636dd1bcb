/**
 * The admin API as the console calls it, for tests: JSON calls with the admin token, and the debug
 * stream (NDJSON) read into a list of frames.
 */
import { ADMIN_OPERATOR_HEADER, type ActivityEvent, type ActivityFrame } from '@parley/protocol';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export interface AdminAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** An admin API caller bound to a server, a token and an operator name. */
export function adminClient(url: string, token = ADMIN_TOKEN, operator = 'tester') {
  return async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminAnswer<T>> {
    const res = await fetch(`${url}/admin/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, [ADMIN_OPERATOR_HEADER]: encodeURIComponent(operator), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: res.headers };
  };
}

export interface ActivityReader {
  frames: ActivityFrame[];
  /** Every event received so far. */
  events(): ActivityEvent[];
  /** Resolves with the first event matching, from what came or comes. */
  waitFor(match: (e: ActivityEvent) => boolean, ms?: number): Promise<ActivityEvent>;
  close(): void;
}

/** Opens the debug stream of `app`; resolves once its hello arrived (the console is watching). */
export async function openActivity(url: string, app: string, token = ADMIN_TOKEN): Promise<ActivityReader> {
  const abort = new AbortController();
  const res = await fetch(`${url}/admin/api/apps/${app}/activity`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`activity stream: ${res.status} ${await res.text()}`);
  const frames: ActivityFrame[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let hello: () => void = () => {};
  const said = new Promise<void>((resolve) => (hello = resolve));
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const frame = JSON.parse(buffer.slice(0, i)) as ActivityFrame;
          buffer = buffer.slice(i + 1);
          frames.push(frame);
          if (frame.type === 'hello') hello();
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted
    }
  })();
  await said;
  const events = () => frames.flatMap((f) => (f.type === 'activity' ? f.events : []));
  return {
    frames,
    events,
    waitFor(match, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events().find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching activity within ${ms} ms; got ${JSON.stringify(events().map((e) => `${e.type} ${e.event ?? ''} ${e.channel ?? e.channels?.join(',') ?? ''}`))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
