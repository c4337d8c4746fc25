/**
 * The service layer over an in-memory SQLite store, a ManualClock and the memory provider: one tenant,
 * memory integrations with calendars, a provider registry that serves them, and a queue that records
 * what was enqueued (or the real embedded queue).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import type { JobQueue, JobSpec, QueueCounts } from '../../src/queue/types.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord, Integration } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

export interface ServiceHarness {
  store: SqlStore;
  clock: ManualClock;
  server: MemoryCalendarServer;
  providers: ProviderRegistry;
  tenantId: string;
  /** A memory integration (account = name) with `calendars` calendars, all enabled. */
  addIntegration(name: string, calendars?: number): Promise<{ integration: Integration; calendars: CalendarRecord[] }>;
  close(): Promise<void>;
}

export async function makeService(): Promise<ServiceHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-service-'));
  const clock = new ManualClock();
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  const server = new MemoryCalendarServer({ clock, seed: 11 });
  const providers = new ProviderRegistry({ store, clock, allowPrivateUrls: false });
  providers.register('memory', (integration) => new MemoryProvider(server, { account: String(integration.config.account) }));
  const tenant = await store.tenants.ensureDefault();
  return {
    store,
    clock,
    server,
    providers,
    tenantId: tenant.id,
    async addIntegration(name, count = 1) {
      const integration = await store.integrations.create(tenant.id, { provider: 'memory', name, config: { account: name }, credentials: {} });
      const calendars: CalendarRecord[] = [];
      for (let i = 0; i < count; i += 1) {
        const remote = server.addCalendar({ account: name, name: `${name} ${i + 1}` });
        calendars.push(await store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true }));
      }
      return { integration, calendars };
    },
    async close() {
      await providers.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A queue that only records what was enqueued (the service's side of the contract). */
export class RecordingQueue implements JobQueue {
  readonly backend = 'sql' as const;
  readonly specs: JobSpec[] = [];
  async enqueue<P>(spec: JobSpec<P>): Promise<{ id: string; coalesced: boolean }> {
    this.specs.push(spec as JobSpec);
    return { id: `job-${this.specs.length}`, coalesced: false };
  }
  work(): never {
    throw new Error('RecordingQueue does not run jobs');
  }
  async get(): Promise<undefined> {
    return undefined;
  }
  async counts(): Promise<QueueCounts> {
    return { waiting: this.specs.length, delayed: 0, active: 0, dead: 0 };
  }
  async deadLetters(): Promise<never[]> {
    return [];
  }
  async replay(): Promise<boolean> {
    return false;
  }
  async discard(): Promise<boolean> {
    return false;
  }
  async drain(): Promise<void> {}
  async close(): Promise<void> {}
  /** Calendar ids and priorities enqueued, in order. */
  syncs(): { calendarId: string; priority: string; reason: string }[] {
    return this.specs.map((s) => ({ calendarId: (s.payload as { calendarId: string }).calendarId, priority: s.priority, reason: (s.payload as { reason: string }).reason }));
  }
}
