/**
 * Liveness and readiness. `/healthz` answers while the process runs; `/readyz` answers 200 only when the
 * store (and the queue, when one is attached) can be reached, so a load balancer stops routing to an
 * instance whose database went away.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';

export function registerHealthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/healthz', { schema: { tags: ['probes'], summary: 'Liveness: 200 while the process runs' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['probes'], summary: 'Readiness: 200 when the store (and the queue) can be reached, else 503 with the failing checks' } }, async (_req, reply) => {
    const checks: Record<string, 'ok' | string> = {};
    try {
      await deps.store.ping();
      checks.store = 'ok';
    } catch (err) {
      checks.store = err instanceof Error ? err.message : String(err);
    }
    if (deps.queue) {
      try {
        await deps.queue.counts();
        checks.queue = 'ok';
      } catch (err) {
        checks.queue = err instanceof Error ? err.message : String(err);
      }
    }
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
}
