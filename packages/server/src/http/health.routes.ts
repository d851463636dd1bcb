/** Liveness (`/health`) and readiness (`/ready`: storage answers and the node is not draining). */
import type { FastifyInstance } from 'fastify';

export interface HealthDeps {
  isDraining(): boolean;
  /** Each check throws when its part is not ready. */
  readinessChecks: Record<string, () => Promise<void>>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness: 200 while the process serves' } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { tags: ['ops'], summary: 'Readiness: 200 when every part can serve, 503 otherwise' } }, async (_req, reply) => {
    const checks: Record<string, string> = {};
    let ready = !deps.isDraining();
    if (!ready) checks.node = 'draining';
    for (const [name, check] of Object.entries(deps.readinessChecks)) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (err) {
        ready = false;
        checks[name] = err instanceof Error ? err.message : 'failed';
      }
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
  });
}
