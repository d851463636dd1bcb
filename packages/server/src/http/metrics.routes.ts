/** `GET /metrics` in the Prometheus text format, and the HTTP latency hook that feeds it. */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';
import { SECURITY } from './api-components.ts';

export async function metricsRoutes(app: FastifyInstance, metrics: Metrics): Promise<void> {
  const text = { description: 'The Prometheus text format', content: { 'text/plain': { schema: { type: 'string' }, example: 'parley_connections{kind="rtcs",transport="websocket"} 3\n' } } };
  const schema = { tags: ['ops'], summary: 'Prometheus metrics (Authorization: Bearer METRICS_TOKEN when it is set)', security: SECURITY.ops, response: { 200: text } };
  app.get('/metrics', { schema }, async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

/** Observes every request's latency under its route pattern (never the raw URL: bounded labels). */
export function observeHttp(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.http(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}
