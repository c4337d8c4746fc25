/**
 * Live status for a process (`calsync serve` or `calsync worker`): the status bus for its configuration
 * and the `onStatus` callback its workers report to — publishing to the bus and, when given, feeding
 * the Prometheus metrics. Closing flushes what is still being published.
 */
import type { Runtime } from '../../runtime.js';
import { syncStatusObserver, type Metrics } from '../../server/metrics.js';
import type { Logger } from '../../util/logger.js';
import type { SyncStatus } from '../sync-jobs.js';
import type { StatusBus } from './bus.js';
import { openStatusBus } from './open.js';
import { statusReporter } from './reporter.js';

export interface LiveStatus {
  bus: StatusBus;
  onStatus: (status: SyncStatus) => void;
  close(): Promise<void>;
}

export async function openLiveStatus(runtime: Runtime, opts: { logger?: Logger; metrics?: Metrics } = {}): Promise<LiveStatus> {
  const { config, store, clock } = runtime;
  const bus = await openStatusBus({
    db: store.db,
    dialect: store.dialect,
    clock,
    ...(config.redisUrl ? { redisUrl: config.redisUrl, prefix: config.redisPrefix } : {}),
  });
  const report = statusReporter(bus, store, { clock, ...(opts.logger ? { logger: opts.logger } : {}) });
  const observe = opts.metrics ? syncStatusObserver(opts.metrics, store) : undefined;
  return {
    bus,
    onStatus(status) {
      report(status);
      observe?.(status);
    },
    async close() {
      await report.flush();
      await bus.close();
    },
  };
}
