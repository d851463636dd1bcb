/**
 * Publishes through the RTCS Service API (`POST /v2/event/{app}/channel`) over keep-alive connections.
 * The baselines serve the same path and body, so one publisher drives every target.
 */
import { Agent, request } from 'node:http';

export interface Publisher {
  /** Resolves with the HTTP status once the target answered. */
  publish(channels: string[], event: string, data: unknown): Promise<number>;
  close(): void;
}

export function createPublisher(baseUrl: string, appId: string, apiKey: string, maxSockets = 8): Publisher {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL(`/v2/event/${appId}/channel`, baseUrl);
  return {
    publish(channels, event, data) {
      const body = JSON.stringify({ channels, event, data });
      return new Promise((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-nhn-apikey': apiKey },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** POSTs JSON and returns status and parsed body (for setup calls, not on measured paths). */
export async function postJson(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}
