/**
 * `GET /api/v1/health`: the authenticated tenant's integration health (see service/health.ts) and its
 * queue depth. 200 whatever the verdict — the body says whether the tenant is healthy; `/readyz` is the
 * endpoint that answers 503.
 */
import type { FastifyInstance } from 'fastify';
import type { JobQueue } from '../../queue/types.js';
import { integrationHealth } from '../../service/health.js';
import type { ProviderRegistry } from '../../service/providers.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';

export interface HealthApiOptions {
  store: Store;
  queue?: JobQueue;
  providers?: ProviderRegistry;
  clock: Clock;
}

/** Register inside a scope that has the API-key auth hook (`registerApiKeyAuth`). */
export function healthApiRoutes(app: FastifyInstance, opts: HealthApiOptions): void {
  app.get('/health', { schema: { tags: ['health'], summary: "The tenant's integration health, queue depth and open problems", security: [{ apiKey: [] }] } }, async (req) => {
    const health = await integrationHealth(opts.store, opts.queue, req.tenant.id, {
      clock: opts.clock,
      ...(opts.providers ? { providers: opts.providers } : {}),
    });
    return { tenant: { id: req.tenant.id, name: req.tenant.name }, ...health };
  });
}
