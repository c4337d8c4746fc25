/**
 * `calsync worker`: queue workers (and the poller) without the HTTP server, against the same store and
 * queue as `calsync serve` — PostgreSQL + Redis for scale-out. Stops gracefully on SIGINT/SIGTERM:
 * in-flight jobs finish, or are released for another worker when the timeout passes.
 */
import type { Command } from 'commander';
import { CalsyncError } from '../../errors.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run queue workers only (scale out: run several against PostgreSQL + Redis)')
    .option('--concurrency <n>', 'jobs at once in this process', '4')
    .option('--no-poll', "don't schedule polls from this process (every worker may poll: claims are atomic)")
    .option('--metrics-port <port>', 'serve /metrics, /healthz and /readyz of this worker on this port (default: $CALSYNC_METRICS_PORT; bound to $CALSYNC_METRICS_HOST, loopback by default)')
    .action(async (opts: { concurrency: string; poll: boolean; metricsPort?: string }) => {
      // Imported when the command runs, not for `--help`.
      const [{ openNotificationEndpoints }, { openLiveStatus }, { createMetrics }, { startMetricsServer }, { startWorkers }, { openServiceProcess }] = await Promise.all([
        import('../../service/notifications/endpoints.js'),
        import('../../service/status/live.js'),
        import('../../server/metrics.js'),
        import('../../server/routes/metrics.js'),
        import('../../service/workers.js'),
        import('../service-process.js'),
      ]);
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new CalsyncError('VALIDATION', `--concurrency must be a whole number of at least 1, got "${opts.concurrency}"`);
      const { config, logger, runtime, queue, providers } = await openServiceProcess();
      // Syncs are measured where they run: a worker has its own /metrics when asked for a port.
      const metricsPort = opts.metricsPort ?? (config.metricsPort === undefined ? undefined : String(config.metricsPort));
      const metrics = metricsPort === undefined ? undefined : createMetrics({ queue, clock: runtime.clock });
      // Sync progress reaches every `calsync serve` WebSocket through the status bus (Redis or the store).
      const live = await openLiveStatus(runtime, { logger, ...(metrics ? { metrics } : {}) });
      const metricsServer = metrics ? await startMetricsServer({ store: runtime.store, queue, metrics, port: Number(metricsPort), host: config.metricsHost, ...(config.metricsToken ? { token: config.metricsToken } : {}) }) : undefined;
      const notifications = await openNotificationEndpoints(runtime);
      const workers = startWorkers({ store: runtime.store, queue, providers, clock: runtime.clock, logger, publicUrl: config.publicUrl, onStatus: live.onStatus, statusBus: live.bus, notifications, notifierOptions: { allowPrivateUrls: config.allowPrivateUrls }, ...(config.redisUrl ? { redis: { url: config.redisUrl, prefix: config.redisPrefix } } : {}) }, { concurrency, poll: opts.poll });
      logger.info({ store: runtime.store.dialect, queue: queue.backend, concurrency }, 'calsync worker started');
      let stopping = false;
      const shutdown = async (signal: string): Promise<void> => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'worker shutting down');
        await metricsServer?.close();
        await workers.stop(10_000);
        await live.close();
        await providers.close();
        await queue.close();
        await runtime.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
