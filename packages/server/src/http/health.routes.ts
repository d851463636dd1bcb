/** Liveness (`/health`) and readiness (`/ready`: storage answers and the node is not draining). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { SECURITY } from './api-components.ts';

export interface HealthDeps {
  isDraining(): boolean;
  /** Each check throws when its part is not ready. */
  readinessChecks: Record<string, () => Promise<void>>;
}

const Health = Type.Object({ status: Type.Literal('ok') }, { description: 'Alive', examples: [{ status: 'ok' }] });
const readiness = (description: string, example: object) =>
  Type.Object(
    { status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]), checks: Type.Record(Type.String(), Type.String(), { description: "each part: 'ok', 'draining' or why it failed" }) },
    { description, examples: [example] },
  );

export async function healthRoutes(scope: FastifyInstance, deps: HealthDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const doc = { tags: ['ops'], security: SECURITY.none };
  app.get('/health', { schema: { ...doc, summary: 'Liveness: 200 while the process serves', response: { 200: Health } } }, async () => ({ status: 'ok' as const }));

  const ready = readiness('Every part can serve', { status: 'ok', checks: { storage: 'ok' } });
  const unavailable = readiness('A part cannot serve, or the node is draining', { status: 'unavailable', checks: { node: 'draining', storage: 'ok' } });
  app.get('/ready', { schema: { ...doc, summary: 'Readiness: 200 when every part can serve, 503 otherwise', response: { 200: ready, 503: unavailable } } }, async (_req, reply) => {
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
