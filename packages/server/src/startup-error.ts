/**
 * Start-up failures an operator can act on: which part (PostgreSQL, Redis, the data directory, the
 * HTTP port), at which address, and why — one line, e.g.
 * `PostgreSQL at 127.0.0.1:5433/parley: connection refused (ECONNREFUSED)`. main.ts prints it without
 * a stack trace (unless LOG_LEVEL=debug); `parley check` prints the same text per part.
 */

/** Plain words for the system error codes operators meet at start-up. */
const CAUSES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused, nothing listens there',
  ECONNRESET: 'connection reset by the server',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  EADDRINUSE: 'address already in use by another process (choose another PORT)',
  EADDRNOTAVAIL: 'address not available on this machine (check HOST)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
};

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** One line for an error: its message in plain words, with the system code when there is one. */
export function describeCause(err: unknown): string {
  let e = err as ErrorLike | undefined;
  // Node reports a failed connect to a name with several addresses (localhost: ::1 and 127.0.0.1) as an
  // AggregateError with an empty message; the first attempt's error says what happened.
  if (e && Array.isArray(e.errors) && e.errors.length > 0 && !e.message) e = e.errors[0] as ErrorLike;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  if (code && CAUSES[code]) return `${CAUSES[code]} (${code})`;
  return message.split('\n')[0]!;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';

  /**
   * @param part what could not be used: `PostgreSQL`, `Redis`, `data directory`, `HTTP port`
   * @param address where it was looked for (never with a password)
   * @param cause the underlying error, or a sentence saying what is wrong
   */
  constructor(
    readonly part: string,
    readonly address: string,
    cause: unknown,
  ) {
    super(`${part} at ${address}: ${typeof cause === 'string' ? cause : describeCause(cause)}`, typeof cause === 'string' ? undefined : { cause });
  }
}

/** `host:port/database` of a postgres:// or redis:// URL, without user and password. */
export function addressOf(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 1 ? u.pathname : '';
    return `${u.hostname || 'localhost'}:${u.port || defaultPort}${path}`;
  } catch {
    return '(unparsable URL)';
  }
}
