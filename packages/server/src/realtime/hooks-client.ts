/**
 * Outbound calls to an app's own server (WebAuth and webhooks): JSON POST with a hard timeout, no
 * retry and no redirect, as the RTCS contract says. Only http(s) URLs are called; with
 * OUTBOUND_DENY_PRIVATE the connection is refused unless every address it would go to is public,
 * checked in the connector after DNS resolution, so a name that re-resolves (DNS rebinding) cannot
 * slip past. In-flight calls are tracked so that shutdown can wait for them.
 */
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { hookUrlProblem, isPublicAddress } from '../apps/hook-url.ts';

/** `refused`: not called at all (not an http(s) URL, or not a public address under OUTBOUND_DENY_PRIVATE). */
export type HookOutcome = 'ok' | 'rejected' | 'timeout' | 'error' | 'refused';

export interface HookResult {
  outcome: HookOutcome;
  status?: number;
  ms: number;
}

export interface HookObserver {
  (kind: 'webauth' | 'webhook', result: HookResult): void;
}

export interface HooksClientOptions {
  timeoutMs: number;
  /** OUTBOUND_DENY_PRIVATE: connect to global unicast addresses only. */
  denyPrivate: boolean;
  observe?: HookObserver;
}

class OutboundRefusedError extends Error {}

const refusal = (host: string, address: string) => new OutboundRefusedError(`${host} resolves to ${address}, which is not a public address (OUTBOUND_DENY_PRIVATE)`);

/** dns.lookup that fails unless every address of the name is public (net.connect calls it for names, never for literals). */
function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const denied = addresses.find((a) => !isPublicAddress(a.address));
    const first = addresses[0];
    if (denied || !first) return callback(refusal(hostname, denied?.address ?? 'nothing'), '');
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
}

/** undici's connector with the address check: IP literals here, names in the lookup. */
function publicOnlyConnector(): buildConnector.connector {
  const connect = buildConnector({ lookup: publicOnlyLookup });
  return (options, callback) => {
    const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0 && !isPublicAddress(host)) return callback(refusal(host, host), null);
    connect(options, callback);
  };
}

/**
 * The hard deadlines of the calls in flight, enforced by one timer. AbortSignal.timeout arms a timer
 * and a weak reference per call, which cost a chat webhook POST half as much again as the rest of it.
 * Every call has the same timeout, so deadlines come in the order calls start: a sweep stops at the
 * first that is still running. A call is cut between its timeout and a tenth of it later.
 */
class Deadlines {
  private readonly running = new Set<{ at: number; controller: AbortController }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly every: number;

  constructor(private readonly timeoutMs: number) {
    this.every = Math.max(5, Math.min(100, Math.ceil(timeoutMs / 10)));
  }

  /** A signal that aborts (as a TimeoutError) once the timeout has passed, and `done` to call when the call ends. */
  start(): { signal: AbortSignal; done: () => void } {
    const call = { at: performance.now() + this.timeoutMs, controller: new AbortController() };
    this.running.add(call);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.every);
      this.timer.unref();
    }
    return { signal: call.controller.signal, done: () => this.end(call) };
  }

  private end(call: { at: number; controller: AbortController }): void {
    this.running.delete(call);
    if (this.running.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const call of this.running) {
      if (call.at > now) return;
      this.end(call);
      call.controller.abort(new DOMException('The hook call timed out', 'TimeoutError'));
    }
  }
}

export class HooksClient {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly dispatcher: Agent;
  private readonly deadlines: Deadlines;
  private readonly observe: HookObserver;

  constructor(options: HooksClientOptions) {
    this.deadlines = new Deadlines(options.timeoutMs);
    this.observe = options.observe ?? (() => {});
    this.dispatcher = new Agent(options.denyPrivate ? { connect: publicOnlyConnector() } : {});
  }

  /** POSTs `body`; resolves (never rejects) with the outcome. 200 is the only success. */
  post(kind: 'webauth' | 'webhook', url: string, body: unknown, signingKey?: string): Promise<HookResult> {
    const started = performance.now();
    // URLs stored before the rule existed are refused here too.
    const call = (hookUrlProblem(url) !== undefined ? Promise.resolve<HookResult>({ outcome: 'refused', ms: 0 }) : this.send(url, body, signingKey, started)).then((result) => {
      this.observe(kind, result);
      return result;
    });
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
    return call;
  }

  /**
   * POSTs a JSON text with extra headers (chat webhooks sign it themselves, chat/outbox-dispatcher.ts)
   * under the same URL and address rules and timeout; any 2xx is `ok`. Not reported to `observe`.
   */
  deliver(url: string, json: string, headers: Record<string, string>): Promise<HookResult> {
    const started = performance.now();
    const call = hookUrlProblem(url) !== undefined ? Promise.resolve<HookResult>({ outcome: 'refused', ms: 0 }) : this.request(url, json, headers, started, (status) => status >= 200 && status < 300);
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
    return call;
  }

  private send(url: string, body: unknown, signingKey: string | undefined, started: number): Promise<HookResult> {
    const json = JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (signingKey !== undefined) {
      headers['x-parley-signature'] = `sha256=${createHmac('sha256', signingKey).update(json).digest('hex')}`;
    }
    return this.request(url, json, headers, started, (status) => status === 200);
  }

  private request(url: string, json: string, extra: Record<string, string>, started: number, ok: (status: number) => boolean): Promise<HookResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Parley-Hooks/1', ...extra };
    // undici's own request, not its WHATWG fetch: no Request/Response/stream objects per call (chat
    // webhooks post one per event), and it never follows a redirect.
    const deadline = this.deadlines.start();
    return request(url, { method: 'POST', headers, body: json, signal: deadline.signal, dispatcher: this.dispatcher })
      .then(async (res): Promise<HookResult> => {
        // Drain the body so the connection returns to the pool; its content does not matter.
        await res.body.dump().catch(() => undefined);
        return { outcome: ok(res.statusCode) ? 'ok' : 'rejected', status: res.statusCode, ms: performance.now() - started };
      })
      .catch((err: unknown): HookResult => {
        const name = err instanceof Error ? err.name : '';
        const cause = err instanceof Error ? err.cause : undefined;
        const refused = err instanceof OutboundRefusedError || cause instanceof OutboundRefusedError;
        const outcome: HookOutcome = refused ? 'refused' : name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error';
        return { outcome, ms: performance.now() - started };
      })
      .finally(deadline.done);
  }

  /** Resolves when every call started so far has finished (each is bounded by the timeout). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Drains, then closes the pooled connections. */
  async close(): Promise<void> {
    await this.drain();
    await this.dispatcher.close();
  }
}
