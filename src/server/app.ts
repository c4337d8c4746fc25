/**
 * The Fastify application `calsync serve` runs. External plugins and dependencies are created by the
 * caller (store, queue) and passed in, so tests build the same app with `inject()` and no socket.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { JobQueue } from '../queue/types.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../util/logger.js';
import { httpStatusFor, isCalsyncError } from '../errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { dashboardPlugin } from './dashboard/plugin.js';
import { graphWebhookRoutes } from './routes/graph-webhook.js';
import { NotificationIntake } from '../service/outlook/notification-intake.js';
import { SubscriptionDirectory } from '../service/outlook/subscription-directory.js';
import { systemClock, type Clock } from '../util/clock.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ProviderRegistry } from '../service/providers.js';
import { apiRoutes, type ApiDeps } from './routes/api/index.js';
import type { StatusBus } from '../service/status/bus.js';
import { createMetrics, type Metrics } from './metrics.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { healthApiRoutes } from './routes/health-api.js';
import { wsRoutes } from './routes/ws.js';
import { registerApiKeyAuth } from './auth.js';
import { notificationEndpointRoutes } from './routes/notification-endpoints.js';
import type { NotificationEndpoints } from '../service/notifications/endpoints.js';
import { PushDirectory } from '../service/webdav-push/push-directory.js';
import { PushIntake } from '../service/webdav-push/push-intake.js';
import { webdavPushRoutes } from './routes/webdav-push-webhook.js';
import cookie from '@fastify/cookie';
import { ApiKeyVerifier, type EdgeAuth } from './auth.js';
import { requestSerializer } from './edge/log-redaction.js';
import { registerNulGuard } from './edge/nul-guard.js';
import { EdgeLimits, type RateLimitSettings } from './edge/rate-limits.js';
import { registerSecurityHeaders } from './edge/security-headers.js';
import { BrowserSessions } from './edge/sessions.js';
import { sessionRoutes, wsTicketRoute } from './routes/session.js';

export interface AppDeps {
  store: Store;
  queue?: JobQueue;
  logger?: Logger;
  /** Request body limit in bytes (default 1 MiB). */
  bodyLimit?: number;
  clock?: Clock;
  /** The Graph webhook's subscription lookups; share it with the in-process SubscriptionManager. Default: a new one. */
  subscriptionDirectory?: SubscriptionDirectory;
  /** The WebDAV-Push webhook's registration lookups; share it with the in-process registration manager. Default: a new one. */
  pushDirectory?: PushDirectory;
  /** Providers for API dry runs, conflict resolution and health; share the workers' registry. Default: a new one. */
  providers?: ProviderRegistry;
  /** Allow CalDAV servers on loopback/private networks when connecting through the API. */
  allowPrivateUrls?: boolean;
  /** Live status for `/ws`; without it there is no WebSocket route. */
  statusBus?: StatusBus;
  /** Prometheus registry for `/metrics` (share it with in-process workers). Default: a new one. */
  metrics?: Metrics;
  /** Notification endpoints (`/api/v1/notification-endpoints`); without them the routes are absent. */
  notifications?: NotificationEndpoints;
  /** `/metrics` on this app's port, behind `Authorization: Bearer <token>`; without a token there is no `/metrics` here (use the metrics listener). */
  metricsToken?: string;
  /** Trust `X-Forwarded-For`/`-Proto` from the proxy in front (client IP for rate limits; https for HSTS and Secure cookies). */
  trustProxy?: boolean;
  /** Rate limits (see `edge/rate-limits.ts`); `false` turns them off (benchmarks of the bare routes). */
  rateLimits?: RateLimitSettings | false;
  /** Browser sessions and WebSocket tickets (default: in this process's memory, on `clock`). */
  sessions?: BrowserSessions;
  /** How often open WebSockets' keys are verified again (default 15 s). */
  wsRevalidateMs?: number;
  /** REST API hooks (Outlook disconnect/OAuth, discovery provider for tests, live status, auth cache). */
  api?: Pick<ApiDeps, 'onDisconnect' | 'makeCalDavProvider' | 'outlookOAuth' | 'onSyncStatus' | 'authCacheTtlMs'>;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // pino's Logger is a FastifyBaseLogger; widening the instance type keeps route modules simple.
  // Request lines are logged with secrets cut out of the URL (query keys, tickets, push secrets).
  const logger = deps.logger?.child({}, { serializers: { req: requestSerializer } });
  const app: FastifyInstance = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : {}),
    ...(deps.trustProxy ? { trustProxy: true } : {}),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // Unknown fields are refused (400), not silently dropped: a typo must not turn into a no-op update.
    ajv: { customOptions: { removeAdditional: false } },
  });

  // One error shape at the HTTP edge: {error:{code,message}} with the status the error code maps to.
  app.setErrorHandler((err, req, reply) => {
    if (isCalsyncError(err)) {
      const status = httpStatusFor(err);
      if (status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(status).send({ error: { code: err.code, message: err.message } });
    }
    const fastifyErr = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
    if (fastifyErr.validation) {
      return reply.code(400).send({ error: { code: 'VALIDATION', message: fastifyErr.message ?? 'invalid request' } });
    }
    if (fastifyErr.statusCode === 413) {
      return reply.code(413).send({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' } });
    }
    if (fastifyErr.statusCode && fastifyErr.statusCode >= 400 && fastifyErr.statusCode < 500) {
      return reply.code(fastifyErr.statusCode).send({ error: { code: fastifyErr.code ?? 'BAD_REQUEST', message: fastifyErr.message ?? 'bad request' } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` } }),
  );

  // The edge, before any route so every route gets its hooks: headers, NUL refusal, rate limits, cookies.
  const clock = deps.clock ?? systemClock;
  registerSecurityHeaders(app);
  registerNulGuard(app);
  const limits = deps.rateLimits === false ? undefined : await EdgeLimits.install(app, deps.rateLimits);
  await app.register(cookie);
  const sessions = deps.sessions ?? new BrowserSessions({ clock });
  const edge: EdgeAuth = {
    verifier: new ApiKeyVerifier({ store: deps.store, clock, ...(deps.api?.authCacheTtlMs === undefined ? {} : { cacheTtlMs: deps.api.authCacheTtlMs }) }),
    sessions,
    ...(limits ? { limits } : {}),
  };

  // OpenAPI: registered before any route so every route's schema lands in the document (/docs/json).
  // Only tagged routes are documented: every /api/v1 route and the probes have a tag and a summary;
  // internal routes (dashboard pages and assets, provider webhooks, /ws, /metrics) stay out of /docs.
  await app.register(swagger, {
    hideUntagged: true,
    openapi: {
      info: { title: 'calsync API', version: '1', description: 'Two-way calendar sync for wedding businesses. Errors: {"error":{"code","message"}}.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (calsync apikey create <tenant>)' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerHealthRoutes(app, deps);
  // Before the other routes, so its onResponse hook times the webhook routes registered below.
  registerMetricsRoutes(
    app,
    deps.metrics ?? createMetrics({ ...(deps.queue ? { queue: deps.queue } : {}), ...(deps.clock ? { clock: deps.clock } : {}) }),
    deps.metricsToken === undefined ? { expose: false } : { token: deps.metricsToken },
  );
  const statusBus = deps.statusBus;
  if (statusBus) {
    await app.register(async (scope) =>
      wsRoutes(scope, { store: deps.store, bus: statusBus, sessions, ...(deps.wsRevalidateMs === undefined ? {} : { revalidateMs: deps.wsRevalidateMs }) }),
    );
  }
  // The dashboard: a static page at /dashboard (and / redirecting there) that uses the API and /ws.
  await app.register(dashboardPlugin);
  {
    const allowPrivateUrls = deps.allowPrivateUrls ?? false;
    let providers = deps.providers;
    if (!providers) {
      const own = new ProviderRegistry({ store: deps.store, clock, allowPrivateUrls });
      app.addHook('onClose', async () => own.close());
      providers = own;
    }
    const api: ApiDeps = { ...deps.api, store: deps.store, providers, clock, allowPrivateUrls, auth: edge, ...(deps.queue ? { queue: deps.queue } : {}), ...(deps.logger ? { logger: deps.logger } : {}) };
    await app.register(async (scope) => apiRoutes(scope, api), { prefix: '/api/v1' });
    await app.register(async (scope) => sessionRoutes(scope, { verifier: edge.verifier, sessions, store: deps.store }), { prefix: '/api/v1' });
    const healthProviders = providers;
    const notifications = deps.notifications;
    await app.register(
      async (scope) => {
        registerApiKeyAuth(scope, edge);
        wsTicketRoute(scope, { sessions });
        healthApiRoutes(scope, { store: deps.store, providers: healthProviders, clock, ...(deps.queue ? { queue: deps.queue } : {}) });
        if (notifications) notificationEndpointRoutes(scope, { endpoints: notifications, allowPrivateUrls, clock });
      },
      { prefix: '/api/v1' },
    );
  }
  // Webhooks (Graph, WebDAV-Push) need somewhere durable to put the work: only with a queue.
  const queue = deps.queue;
  if (queue) {
    const directory = deps.subscriptionDirectory ?? new SubscriptionDirectory(deps.store, clock);
    const intake = new NotificationIntake({ store: deps.store, queue, clock, directory, ...(deps.logger ? { logger: deps.logger } : {}) });
    await app.register(async (scope) => graphWebhookRoutes(scope, { intake }));
    const pushIntake = new PushIntake({ store: deps.store, queue, clock, directory: deps.pushDirectory ?? new PushDirectory(deps.store, clock) });
    await app.register(async (scope) => webdavPushRoutes(scope, { intake: pushIntake }));
  }
  return app;
}

