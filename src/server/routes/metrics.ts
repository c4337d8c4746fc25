/**
 * `GET /metrics` in the Prometheus text format, and the timing of Graph webhook requests: an
 * `onResponse` hook on the whole app records the latency of every request to the webhook route, so the
 * webhook module needs no metrics code of its own.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Metrics } from '../metrics.js';
import { registerHealthRoutes } from './health.js';

/** Route URLs whose latency counts as webhook latency. */
export const WEBHOOK_ROUTE_PREFIX = '/webhooks/';

export function registerMetricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url?.startsWith(WEBHOOK_ROUTE_PREFIX)) metrics.observeWebhook(reply.elapsedTime / 1000, reply.statusCode);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

/**
 * The HTTP face of a `calsync worker`: `/metrics` (its syncs' durations and errors are recorded where
 * they run), `/healthz` and `/readyz`. Nothing else listens in a worker.
 */
export async function startMetricsServer(opts: { store: Store; queue: JobQueue; metrics: Metrics; port: number; host: string }): Promise<FastifyInstance> {
  const app = Fastify();
  registerHealthRoutes(app, { store: opts.store, queue: opts.queue });
  registerMetricsRoutes(app, opts.metrics);
  await app.listen({ port: opts.port, host: opts.host });
  return app;
}
