/** A client API (`/v1/sdk`) caller acting as one of several users, each with its bearer token. */
import type { PlatformAnswer } from './chat-engines.ts';

export function sdkCaller(url: string, appId: string, tokens: Record<string, string>) {
  return async function sdk<T = Record<string, unknown>>(user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<PlatformAnswer<T>> {
    const res = await fetch(`${url}/v1/sdk${path}`, {
      method,
      headers: { APP_ID: appId, USER_ID: user, authorization: `Bearer ${tokens[user] ?? 'none'}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: res.headers };
  };
}
