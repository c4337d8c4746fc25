/**
 * The API over a real SQLite store (in memory), the embedded SQL queue on it, the memory calendar
 * provider (kind `memory`) and a ManualClock. Two tenants, each with an API key, so every test can try
 * the other tenant's ids. `call()` wraps `app.inject()` with the tenant's key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { buildApp, type AppDeps } from '../../src/server/app.js';
import type { ConnectCalDavInput } from '../../src/service/connect.js';
import { drainOutbox } from '../../src/service/outbox/drainer.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { runCalendarSync } from '../../src/service/sync-jobs.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord, Integration, Tenant } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

export interface TenantFixture {
  tenant: Tenant;
  key: string;
}

export interface ApiHarness {
  app: FastifyInstance;
  store: SqlStore;
  queue: JobQueue;
  clock: ManualClock;
  server: MemoryCalendarServer;
  providers: ProviderRegistry;
  a: TenantFixture;
  b: TenantFixture;
  /** Connect-time discovery requests the API made (CalDAV/iCloud). */
  discoveries: (ConnectCalDavInput & { url: string })[];
  /** `inject` as tenant A (or `as`), JSON body. `key: null` sends no Authorization header. */
  call(method: InjectOptions['method'], url: string, opts?: { body?: unknown; as?: TenantFixture; key?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  /** A memory integration with `count` enabled calendars for a tenant (default A). */
  addIntegration(name: string, opts?: { count?: number; as?: TenantFixture }): Promise<{ integration: Integration; calendars: CalendarRecord[] }>;
  syncNow(calendarId: string, as?: TenantFixture): Promise<void>;
  /** Turns the tenant's hub writes (outbox records) into sync jobs, as the workers' drainer does. */
  drainOutbox(as?: TenantFixture): Promise<void>;
  close(): Promise<void>;
}

export async function makeApi(overrides: Partial<AppDeps> = {}): Promise<ApiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-api-'));
  const clock = new ManualClock();
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  // The queue runs on real time: tests that run jobs wait for them with drain().
  const queue = await openQueue({ db: store.db, dialect: store.dialect });
  const server = new MemoryCalendarServer({ clock, seed: 5 });
  const providers = new ProviderRegistry({ store, clock, allowPrivateUrls: false });
  providers.register('memory', (integration) => new MemoryProvider(server, { account: String(integration.config.account) }));
  const discoveries: (ConnectCalDavInput & { url: string })[] = [];
  const app = await buildApp({
    store,
    queue,
    clock,
    providers,
    // Route tests send many refused requests from one address; test/server/edge-security.test.ts tests the limits.
    rateLimits: { failuresPerIp: 1_000_000, perKey: 1_000_000 },
    ...overrides,
    api: {
      authCacheTtlMs: 0,
      makeCalDavProvider: (input) => {
        discoveries.push(input);
        return new MemoryProvider(server, { account: input.username });
      },
      ...overrides.api,
    },
  });
  const tenantA = await store.tenants.create('studio-a');
  const tenantB = await store.tenants.create('studio-b');
  const a = { tenant: tenantA, key: (await store.apiKeys.create(tenantA.id, 'tests a')).key };
  const b = { tenant: tenantB, key: (await store.apiKeys.create(tenantB.id, 'tests b')).key };

  return {
    app,
    store,
    queue,
    clock,
    server,
    providers,
    a,
    b,
    discoveries,
    call(method, url, opts = {}) {
      const key = opts.key === undefined ? (opts.as ?? a).key : opts.key;
      return app.inject({
        method,
        url,
        headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...opts.headers },
        ...(opts.body === undefined ? {} : { payload: opts.body as InjectOptions['payload'] }),
      });
    },
    async addIntegration(name, opts = {}) {
      const tenantId = (opts.as ?? a).tenant.id;
      const integration = await store.integrations.create(tenantId, { provider: 'memory', name, config: { account: name }, credentials: {} });
      const calendars: CalendarRecord[] = [];
      for (let i = 0; i < (opts.count ?? 1); i += 1) {
        const remote = server.addCalendar({ account: name, name: `${name} ${i + 1}` });
        calendars.push(await store.calendars.upsert(tenantId, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true }));
      }
      return { integration, calendars };
    },
    async syncNow(calendarId, as = a) {
      await runCalendarSync({ store, providers, clock }, as.tenant.id, { calendarId, reason: 'test' });
    },
    async drainOutbox(as = a) {
      await drainOutbox({ store, queue, clock }, as.tenant.id);
    },
    async close() {
      await app.close();
      await providers.close();
      await queue.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every error body has the one shape. */
export function errorOf(res: LightMyRequestResponse): { code: string; message: string } {
  const body = res.json() as { error?: { code: string; message: string } };
  if (!body.error || typeof body.error.code !== 'string' || typeof body.error.message !== 'string') throw new Error(`not an error body: ${res.body}`);
  return body.error;
}
