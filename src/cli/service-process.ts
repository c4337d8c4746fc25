/**
 * What a long-running process (`serve`, `worker`) opens first: configuration, logger, store, queue and
 * the provider registry (with any providers an embedding registered through `cliHooks`).
 */
import { loadConfig, type Config } from '../config.js';
import type { JobQueue } from '../queue/types.js';
import { openRuntime, openRuntimeQueue, type Runtime } from '../runtime.js';
import { openPoliteness } from '../service/politeness.js';
import { ProviderRegistry } from '../service/providers.js';
import { createLogger, type Logger } from '../util/logger.js';
import { cliHooks } from './context.js';

export interface ServiceProcess {
  config: Config;
  logger: Logger;
  runtime: Runtime;
  queue: JobQueue;
  providers: ProviderRegistry;
}

export async function openServiceProcess(): Promise<ServiceProcess> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config);
  const queue = await openRuntimeQueue(runtime);
  // One bucket and one breaker per host for every provider: in Redis for the whole deployment when there is one.
  const politeness = await openPoliteness({ clock: runtime.clock, ...(config.redisUrl ? { redis: { url: config.redisUrl, prefix: config.redisPrefix } } : {}) });
  const providers = new ProviderRegistry({ store: runtime.store, clock: runtime.clock, allowPrivateUrls: config.allowPrivateUrls, politeness });
  cliHooks.configureProviders?.(providers);
  return { config, logger, runtime, queue, providers };
}
