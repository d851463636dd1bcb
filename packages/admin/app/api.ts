/**
 * The console's calls to `/admin/api`: the admin token as a bearer token on each, the operator's name
 * for the audit log, errors as ApiError, and the debug stream read as NDJSON from a fetch body (an
 * EventSource could not send the token).
 */
import { ADMIN_OPERATOR_HEADER, type AdminErrorBody } from '@parley/protocol';

export interface Credentials {
  token: string;
  /** Shown in the audit log. */
  operator: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The chat error code for chat refusals, else the status. */
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A line of the stream longer than this ends it: frames are far smaller. */
const LINE_MAX = 4 * 1024 * 1024;

export class AdminApi {
  constructor(
    private readonly credentials: Credentials,
    /** Called when the token is refused (rotated meanwhile): the console signs out. */
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  private headers(json: boolean): Record<string, string> {
    // Percent-encoded: a header carries bytes, and an operator's name need not be ASCII.
    const headers: Record<string, string> = { authorization: `Bearer ${this.credentials.token}`, [ADMIN_OPERATOR_HEADER]: encodeURIComponent(this.credentials.operator) };
    if (json) headers['content-type'] = 'application/json';
    return headers;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    const search = params.toString();
    return this.call<T>('GET', search ? `${path}?${search}` : path);
  }

  send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.call<T>(method, path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`/admin/api${path}`, { method, headers: this.headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) throw this.failure(res.status, parsed);
    return parsed as T;
  }

  private failure(status: number, body: unknown): ApiError {
    if (status === 401) this.onUnauthorized();
    const e = (body ?? {}) as Partial<AdminErrorBody>;
    return new ApiError(status, typeof e.code === 'number' ? e.code : status, typeof e.message === 'string' ? e.message : `HTTP ${status}`);
  }

  /** Reads an NDJSON stream, calling `onFrame` per line, until it ends or `signal` aborts. */
  async stream<T>(path: string, onFrame: (frame: T) => void, signal: AbortSignal): Promise<void> {
    const res = await fetch(`/admin/api${path}`, { headers: this.headers(false), signal });
    if (!res.ok || !res.body) throw this.failure(res.status, await res.json().catch(() => undefined));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim() !== '') onFrame(JSON.parse(line) as T);
      }
      if (buffer.length > LINE_MAX) throw new Error('the activity stream sent a line that is too long');
    }
  }
}

/** A message for people: the server's own, which names what was wrong. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
