/**
 * The Microsoft Graph emulator: `createGraphEmulator()` starts it (HTTPS on 127.0.0.1 and a
 * random port by default) and returns its URL, CA certificate, admin handle and `close()`.
 * Everything time-dependent reads the injected clock.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Clock, systemClock } from '../../util/clock.js';
import { GraphEmulatorAdmin } from './admin.js';
import type { EmulatorContext } from './context.js';
import { DeltaService } from './delta.js';
import { FaultInjector } from './faults.js';
import { canonicalUrl, installGraphPipeline } from './hooks.js';
import { WebhookSender } from './http-post.js';
import { Notifier } from './notifier.js';
import { type GraphEmulatorOptions, resolveOptions } from './options.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerBatchRoute } from './routes/batch.js';
import { registerCalendarRoutes } from './routes/calendars.js';
import { registerEventRoutes } from './routes/events.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerSubscriptionRoutes } from './routes/subscriptions.js';
import { registerViewRoutes } from './routes/views.js';
import { GraphStore } from './store.js';
import { SubscriptionService } from './subscriptions.js';
import { Throttle } from './throttle.js';
import { RequestLog } from './request-log.js';
import { generateCertificate } from './tls.js';
import { TokenService } from './tokens.js';

export type { GraphEmulatorOptions } from './options.js';
export { GraphEmulatorAdmin } from './admin.js';

export interface GraphEmulator {
  /** Origin, e.g. "https://127.0.0.1:49152". */
  url: string;
  /** Graph base for clients: `${url}/v1.0`. */
  graphUrl: string;
  /** MSAL authority: `${url}/${tenantId}`. */
  authority: string;
  /** host:port, for MSAL's `knownAuthorities`. */
  host: string;
  tenantId: string;
  /** PEM of the self-signed certificate (undefined over plain HTTP). */
  caCert: string | undefined;
  clock: Clock;
  admin: GraphEmulatorAdmin;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function createGraphEmulator(options: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const opts = resolveOptions(options);
  const clock = options.clock ?? systemClock;
  const tls = opts.https ? (options.tls ?? (await generateCertificate([opts.host]))) : undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: 4 * 1024 * 1024,
    rewriteUrl: (req) => canonicalUrl(req.url ?? '/'),
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
  }) as unknown as FastifyInstance;

  const store = new GraphStore(clock);
  for (const seed of opts.users) store.addMailbox(seed);
  const sender = new WebhookSender([...(tls ? [tls.cert] : []), ...opts.notificationCa]);
  const notifier = new Notifier(clock, sender, opts.delivery);
  const ctx: EmulatorContext = {
    clock,
    store,
    tokens: new TokenService(clock, opts.tokens),
    delta: new DeltaService(clock, opts.delta, opts.strict.expiredDeltaToken),
    throttle: new Throttle(clock, opts.throttle),
    faults: new FaultInjector(),
    notifier,
    subscriptions: new SubscriptionService(clock, store, notifier, sender, opts.subscriptions, opts.strict),
    tenantId: opts.tenantId,
    adminSecret: randomUUID(),
    pageSize: opts.pageSize,
    deltaPageSize: opts.delta.defaultPageSize,
    protocol: tls ? 'https' : 'http',
    requestLog: new RequestLog(),
    strict: opts.strict,
  };
  store.onChange((change) => ctx.delta.record(change));
  const admin = new GraphEmulatorAdmin(ctx, app);

  installGraphPipeline(app, ctx);
  registerCalendarRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerViewRoutes(app, ctx);
  registerSubscriptionRoutes(app, ctx);
  registerBatchRoute(app, ctx, opts.batchConcurrency);
  registerOAuthRoutes(app, ctx);
  registerAdminRoutes(app, admin);

  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  const url = `${ctx.protocol}://${host}`;
  return {
    url,
    graphUrl: `${url}/v1.0`,
    authority: `${url}/${opts.tenantId}`,
    host,
    tenantId: opts.tenantId,
    caCert: tls?.cert,
    clock,
    admin,
    app,
    async close() {
      ctx.subscriptions.close();
      notifier.close();
      ctx.faults.releaseHeld();
      await app.close();
      await sender.close();
    },
  };
}
