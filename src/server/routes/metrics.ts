/**
 * `/metrics` in the Prometheus text format, and the timing of webhook requests: an `onResponse` hook on
 * the whole app records the latency of every request to a webhook route, so the webhook modules need no
 * metrics code of their own.
 *
 * `/metrics` is not open on the main port (issue 10, finding 7): there it exists only when a token is
 * configured (`CALSYNC_METRICS_TOKEN`) and answers `Authorization: Bearer <token>` only (compared in
 * constant time). The separate listener (`CALSYNC_METRICS_PORT`, loopback by default; a worker's
 * `--metrics-port`) serves it without a token unless one is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Metrics } from '../metrics.js';
import { registerHealthRoutes } from './health.js';

/** Route URLs whose latency counts as webhook latency. */
export const WEBHOOK_ROUTE_PREFIX = '/webhooks/';

export interface MetricsRouteOptions {
  /** Serve `GET /metrics` here (default true). */
  expose?: boolean;
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function registerMetricsRoutes(app: FastifyInstance, metrics: Metrics, opts: MetricsRouteOptions = {}): void {
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url?.startsWith(WEBHOOK_ROUTE_PREFIX)) metrics.observeWebhook(reply.elapsedTime / 1000, reply.statusCode);
  });
  if (opts.expose === false) return;
  const expected = opts.token === undefined ? undefined : digest(`Bearer ${opts.token}`);
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="calsync-metrics"')
        .send({ error: { code: 'UNAUTHORIZED', message: 'metrics need "Authorization: Bearer <CALSYNC_METRICS_TOKEN>"' } });
    }
    const body = await metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(body);
  });
}

/**
 * The separate metrics listener: `/metrics`, `/healthz` and `/readyz`, nothing else. A `calsync worker`
 * (`--metrics-port`) and `calsync serve` (`CALSYNC_METRICS_PORT`) start it, on loopback by default.
 */
export async function startMetricsServer(opts: { store: Store; queue: JobQueue; metrics: Metrics; port: number; host: string; token?: string }): Promise<FastifyInstance> {
  const app = Fastify();
  registerHealthRoutes(app, { store: opts.store, queue: opts.queue });
  registerMetricsRoutes(app, opts.metrics, opts.token === undefined ? {} : { token: opts.token });
  await app.listen({ port: opts.port, host: opts.host });
  return app;
}
