/**
 * What a command needs, opened once per invocation and closed afterwards: configuration, store, the
 * tenant (`--tenant` or the default), the provider registry and — lazily — the job queue. All of it is
 * imported when a command runs, not when the CLI starts (`calsync <command> --help` loads none of it).
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { JobQueue } from '../queue/types.js';
import type { Runtime } from '../runtime.js';
import type { ProviderRegistry } from '../service/providers.js';
import type { Tenant } from '../store/types.js';

export interface CliContext {
  config: Config;
  runtime: Runtime;
  tenant: Tenant;
  providers: ProviderRegistry;
  /** Opens the queue on first use. */
  queue(): Promise<JobQueue>;
  json: boolean;
}

/** Extension point for tests and embedding: extra provider kinds (e.g. the memory provider). */
export const cliHooks: { configureProviders?: (registry: ProviderRegistry) => void } = {};

export async function withContext<T>(cmd: Command, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const globals = cmd.optsWithGlobals<{ tenant?: string; json?: boolean }>();
  const [{ loadConfig }, { openRuntime, openRuntimeQueue, resolveTenant }, { ProviderRegistry }] = await Promise.all([
    import('../config.js'),
    import('../runtime.js'),
    import('../service/providers.js'),
  ]);
  const config = loadConfig();
  const runtime = await openRuntime(config);
  let queue: Promise<JobQueue> | undefined;
  const providers = new ProviderRegistry({ store: runtime.store, clock: runtime.clock, allowPrivateUrls: config.allowPrivateUrls });
  cliHooks.configureProviders?.(providers);
  try {
    const tenant = await resolveTenant(runtime.store, globals.tenant);
    return await fn({
      config,
      runtime,
      tenant,
      providers,
      queue: () => (queue ??= openRuntimeQueue(runtime)),
      json: globals.json === true,
    });
  } finally {
    await providers.close();
    if (queue) await (await queue).close();
    await runtime.close();
  }
}
