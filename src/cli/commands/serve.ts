/**
 * `calsync serve`: the HTTP service (health, API, webhooks, dashboard) with in-process workers.
 * Shuts down gracefully on SIGINT/SIGTERM: stops taking requests and jobs, lets in-flight work finish.
 */
import type { Command } from 'commander';
import type { Integration } from '../../store/types.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP service with in-process workers (SQLite and the embedded queue by default)')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)')
    .option('--host <host>', 'address to bind (default: $HOST or 127.0.0.1)')
    .option('--no-workers', 'serve HTTP only: jobs run in separate `calsync worker` processes')
    .action(async (opts: { port?: string; host?: string; workers: boolean }) => {
      // Imported when the command runs, not for `--help`.
      const [{ buildApp }, { createMetrics }, { startMetricsServer }, { openNotificationEndpoints }, { openLiveStatus }, { SubscriptionDirectory }, { startWorkers }, { PushDirectory }, { withdrawRegistrations }, { openServiceProcess }, { firstRunMessage }, { dashboardBaseUrl }] = await Promise.all([
        import('../../server/app.js'),
        import('../../server/metrics.js'),
        import('../../server/routes/metrics.js'),
        import('../../service/notifications/endpoints.js'),
        import('../../service/status/live.js'),
        import('../../service/outlook/subscription-directory.js'),
        import('../../service/workers.js'),
        import('../../service/webdav-push/push-directory.js'),
        import('../../service/withdraw-registrations.js'),
        import('../service-process.js'),
        import('../first-run.js'),
        import('./users.js'),
      ]);
      const { config, logger, runtime, queue, providers } = await openServiceProcess();
      // One lookup cache for the webhook and the subscription manager: a new subscription is known at once.
      const subscriptionDirectory = new SubscriptionDirectory(runtime.store, runtime.clock);
      const pushDirectory = new PushDirectory(runtime.store, runtime.clock);
      // Live status: in-process syncs publish to the bus; the WebSocket also hears other processes' syncs.
      const metrics = createMetrics({ queue, clock: runtime.clock });
      const live = await openLiveStatus(runtime, { logger, metrics });
      const notifications = await openNotificationEndpoints(runtime);
      const workers =
        opts.workers === false
          ? undefined
          : startWorkers({ store: runtime.store, queue, providers, clock: runtime.clock, logger, publicUrl: config.publicUrl, subscriptionDirectory, pushDirectory, onStatus: live.onStatus, statusBus: live.bus, notifications, notifierOptions: { allowPrivateUrls: config.allowPrivateUrls }, ...(config.redisUrl ? { redis: { url: config.redisUrl, prefix: config.redisPrefix } } : {}) });
      // Disconnecting through the API withdraws the Graph subscriptions / WebDAV-Push registrations first.
      const withdrawDeps = { store: runtime.store, queue, providers, clock: runtime.clock, logger, publicUrl: config.publicUrl, subscriptionDirectory, pushDirectory };
      const api = { onSyncStatus: live.onStatus, onDisconnect: (integration: Integration) => withdrawRegistrations(withdrawDeps, integration) };
      const app = await buildApp({ store: runtime.store, queue, logger, clock: runtime.clock, subscriptionDirectory, pushDirectory, providers, statusBus: live.bus, metrics, notifications, allowPrivateUrls: config.allowPrivateUrls, api, trustProxy: config.trustProxy, ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}) });
      // `/metrics` is not on the main port (unless a token guards it): its own listener, loopback by default.
      const metricsServer =
        config.metricsPort === undefined
          ? undefined
          : await startMetricsServer({ store: runtime.store, queue, metrics, port: config.metricsPort, host: config.metricsHost, ...(config.metricsToken ? { token: config.metricsToken } : {}) });
      const port = opts.port === undefined ? config.port : Number(opts.port);
      const host = opts.host ?? config.host;
      const closeAll = async (): Promise<void> => {
        await metricsServer?.close();
        await app.close();
        await workers?.stop(10_000);
        await live.close();
        await providers.close();
        await queue.close();
        await runtime.close();
      };
      let address: string;
      try {
        address = await app.listen({ port, host });
      } catch (err) {
        // Port taken, bad address: without this the workers and the poller keep the process alive, silently.
        await closeAll();
        throw err;
      }
      logger.info({ address, dataDir: config.dataDir, store: runtime.store.dialect, queue: queue.backend, node: process.version }, 'calsync is serving');
      // For the person who ran it: where to go and how to sign in (stderr: stdout stays JSON log lines).
      const listening = app.server.address();
      const boundPort = typeof listening === 'object' && listening ? listening.port : port;
      process.stderr.write(await firstRunMessage(runtime.store, runtime.clock, dashboardBaseUrl({ host, port: boundPort }), { workers: opts.workers !== false }));

      let stopping = false;
      const shutdown = async (signal: string): Promise<void> => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        await closeAll();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
