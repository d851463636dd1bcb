/**
 * Outbound calls to an app's own server (WebAuth and webhooks): JSON POST with a hard timeout and no
 * retry, as the RTCS contract says. In-flight calls are tracked so that shutdown can wait for them.
 */
import { createHmac } from 'node:crypto';

export type HookOutcome = 'ok' | 'rejected' | 'timeout' | 'error';

export interface HookResult {
  outcome: HookOutcome;
  status?: number;
  ms: number;
}

export interface HookObserver {
  (kind: 'webauth' | 'webhook', result: HookResult): void;
}

export class HooksClient {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly observe: HookObserver = () => {},
  ) {}

  /** POSTs `body`; resolves (never rejects) with the outcome. 200 is the only success. */
  post(kind: 'webauth' | 'webhook', url: string, body: unknown, signingKey?: string): Promise<HookResult> {
    const started = performance.now();
    const json = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Parley-Hooks/1' };
    if (signingKey !== undefined) {
      headers['x-parley-signature'] = `sha256=${createHmac('sha256', signingKey).update(json).digest('hex')}`;
    }
    const call = fetch(url, { method: 'POST', headers, body: json, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' })
      .then(async (res): Promise<HookResult> => {
        // Drain the body so the connection returns to the pool; its content does not matter.
        await res.arrayBuffer().catch(() => undefined);
        return { outcome: res.status === 200 ? 'ok' : 'rejected', status: res.status, ms: performance.now() - started };
      })
      .catch((err: unknown): HookResult => {
        const name = err instanceof Error ? err.name : '';
        const outcome: HookOutcome = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error';
        return { outcome, ms: performance.now() - started };
      })
      .then((result) => {
        this.observe(kind, result);
        return result;
      });
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
    return call;
  }

  /** Resolves when every call started so far has finished (each is bounded by the timeout). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
