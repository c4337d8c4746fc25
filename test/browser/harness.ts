/**
 * The whole service in one process for the browser test: an in-memory SQLite store, the SQL queue on
 * it, the memory calendar provider registered as kind `memory`, in-process workers whose statuses go
 * through the status bus to the `/ws` WebSocket, and the Fastify app listening on a loopback port.
 * Seeding helpers make a tenant with an API key, a calendar with wedding events, and a conflict.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { CalsyncError } from '../../src/errors.js';
import type { CalendarEvent } from '../../src/model/event.js';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { buildApp } from '../../src/server/app.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import { statusReporter } from '../../src/service/status/reporter.js';
import { runCalendarSync } from '../../src/service/sync-jobs.js';
import { startWorkers, type Workers } from '../../src/service/workers.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord, Integration } from '../../src/store/types.js';
import { systemClock } from '../../src/util/clock.js';

export interface DashboardHarness {
  store: SqlStore;
  queue: JobQueue;
  server: MemoryCalendarServer;
  providers: ProviderRegistry;
  app: FastifyInstance;
  /** e.g. `http://127.0.0.1:41234` */
  baseUrl: string;
  tenantId: string;
  apiKey: string;
  /** Every JSON line the server logged (request lines included). */
  logLines: string[];
  addCalendar(name: string, calendarName?: string, config?: Record<string, unknown>): Promise<{ integration: Integration; calendar: CalendarRecord }>;
  /** Syncs a calendar directly (not through the queue and not broadcast): seeding only. */
  syncNow(calendarId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboardHarness(opts: { allowPrivateUrls?: boolean } = {}): Promise<DashboardHarness> {
  const allowPrivateUrls = opts.allowPrivateUrls ?? false;
  const clock = systemClock;
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-dashboard-'));
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  const queue = await openQueue({ db: store.db, dialect: store.dialect });
  const server = new MemoryCalendarServer({ clock, seed: 7 });
  const providers = new ProviderRegistry({ store, clock, allowPrivateUrls });
  providers.register('memory', (integration) => {
    // `config.unreachable`: a server that is down, for failed jobs.
    if (integration.config.unreachable === true) throw new CalsyncError('PROVIDER_UNAVAILABLE', 'calendar server unreachable', { retryable: false });
    return new MemoryProvider(server, { account: String(integration.config.account) });
  });
  const statusBus = new MemoryStatusBus();
  const onStatus = statusReporter(statusBus, store, { clock, progressEveryMs: 0 });
  const workers: Workers = startWorkers({ store, queue, providers, clock, onStatus }, { poll: false, concurrency: 2 });
  // The server's log, kept to prove that no key ever reaches it.
  const logLines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const app = await buildApp({ store, queue, clock, providers, statusBus, logger, allowPrivateUrls, api: { onSyncStatus: onStatus } });
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  const tenant = await store.tenants.ensureDefault();
  const { key } = await store.apiKeys.create(tenant.id, 'dashboard test');
  return {
    store,
    queue,
    server,
    providers,
    app,
    baseUrl,
    tenantId: tenant.id,
    apiKey: key,
    logLines,
    async addCalendar(name, calendarName = `${name} calendar`, config = {}) {
      const integration = await store.integrations.create(tenant.id, { provider: 'memory', name, config: { account: name, ...config }, credentials: {} });
      const remote = server.addCalendar({ account: name, name: calendarName });
      const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true });
      return { integration, calendar };
    },
    async syncNow(calendarId) {
      await runCalendarSync({ store, providers, clock }, tenant.id, { calendarId, reason: 'seed' });
    },
    async close() {
      await app.close();
      await workers.stop(5_000);
      await onStatus.flush();
      await statusBus.close();
      await providers.close();
      await queue.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The event the remote calendar holds for a hub event's UID. */
export function remoteEvent(server: MemoryCalendarServer, calendar: CalendarRecord, uid: string): CalendarEvent | undefined {
  return server.items(calendar.remoteId).find((i) => i.event.uid === uid)?.event;
}
