/**
 * HTTP side of the SDK: every client call goes to `/v1/sdk/...` with the `APP_ID`, `USER_ID` and
 * `Authorization: Bearer <token>` headers. Failures become an {@link SdkError} carrying the server's code.
 */

/** Code of failures that never reached the server or got no JSON answer (network down, CORS, 502). */
export const NETWORK_ERROR_CODE = 0;

/**
 * What every failed SDK promise rejects with: the server's `code` (see the code table of the README)
 * and `message`, plus the HTTP `status` (0 without an answer).
 * @example client.groupChannel.sendMessage('room', { content: 'hi' }).catch((e) => e.code === 1009 && alert('frozen'));
 */
export class SdkError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'SdkError';
  }

  toJSON(): { code: number; message: string; status: number } {
    return { code: this.code, message: this.message, status: this.status };
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RestCredentials {
  appId: string;
  userId: string;
  token: string;
}

export class RestClient {
  constructor(
    private readonly baseUrl: string,
    private readonly credentials: () => RestCredentials,
    /** Called once on 401 to get a fresh token; the call is then retried. */
    private readonly refreshToken: () => Promise<boolean>,
  ) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, undefined, query);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  /** A request with an explicit bearer token (the session-token exchange). */
  async withToken<T>(method: string, path: string, token: string): Promise<T> {
    return this.send<T>(method, path, undefined, undefined, token);
  }

  async request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    try {
      return await this.send<T>(method, path, body, query, this.credentials().token);
    } catch (err) {
      if (!(err instanceof SdkError) || err.status !== 401 || !(await this.refreshToken())) throw err;
      return this.send<T>(method, path, body, query, this.credentials().token);
    }
  }

  private async send<T>(method: string, path: string, body: unknown, query: Query | undefined, token: string): Promise<T> {
    const { appId, userId } = this.credentials();
    const headers: Record<string, string> = { APP_ID: appId, USER_ID: userId, Authorization: `Bearer ${token}` };
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(this.url(path, query), { method, headers, body: payload });
    } catch (err) {
      throw new SdkError(NETWORK_ERROR_CODE, `network error: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new SdkError(NETWORK_ERROR_CODE, `unexpected answer (HTTP ${response.status})`, response.status);
    }
    if (!response.ok) {
      const e = (json ?? {}) as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'number' ? e.code : NETWORK_ERROR_CODE;
      throw new SdkError(code, typeof e.message === 'string' ? e.message : `HTTP ${response.status}`, response.status);
    }
    return json as T;
  }

  private url(path: string, query: Query | undefined): string {
    const url = new URL(`${this.baseUrl}/v1/sdk${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }
}
