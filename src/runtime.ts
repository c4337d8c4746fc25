/**
 * Opens what a process needs from the configuration: the store (SQLite or PostgreSQL) and the job queue
 * (embedded on the store, or BullMQ on Redis). Used by every CLI command and by `serve`/`worker`.
 */
import type { Config } from './config.js';
import { CalsyncError } from './errors.js';
import type { JobQueue } from './queue/types.js';
import type { Store, Tenant } from './store/types.js';
import { openQueue } from './queue/open.js';
import { openStore, type SqlStore } from './store/open.js';
import { systemClock, type Clock } from './util/clock.js';

export interface Runtime {
  config: Config;
  store: SqlStore;
  clock: Clock;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, clock: Clock = systemClock): Promise<Runtime> {
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    clock,
  });
  await store.tenants.ensureDefault();
  return { config, store, clock, close: () => store.close() };
}

/** The queue for this configuration: BullMQ when REDIS_URL is set, else the embedded SQL queue. */
export async function openRuntimeQueue(runtime: Runtime): Promise<JobQueue> {
  const { config, store, clock } = runtime;
  if (config.redisUrl) return openQueue({ redisUrl: config.redisUrl, prefix: config.redisPrefix, clock });
  return openQueue({ db: store.db, dialect: store.dialect, clock });
}

/** The tenant a command acts for: `--tenant NAME` or the default one. */
export async function resolveTenant(store: Store, name: string | undefined): Promise<Tenant> {
  if (!name) return store.tenants.ensureDefault();
  const tenant = (await store.tenants.getByName(name)) ?? (await store.tenants.get(name));
  if (!tenant) throw new CalsyncError('VALIDATION', `no tenant named "${name}" (create it with: calsync tenant create ${name})`);
  return tenant;
}
