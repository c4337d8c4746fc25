/**
 * A hub (SQLite in memory) with one CalDAV calendar (a real server, or a proxy in front of one) and one
 * memory calendar linked to the same hub events, for engine tests against real CalDAV servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import type { CalendarProvider } from '../../src/providers/types.js';
import { openStore } from '../../src/store/open.js';
import type { HubEvent } from '../../src/model/event.js';
import type { CalendarRecord, Store } from '../../src/store/types.js';
import { syncCalendar, type SyncOptions, type SyncReport } from '../../src/sync/engine.js';
import { ManualClock } from '../../src/util/clock.js';

export interface CalDavHub {
  store: Store;
  tenantId: string;
  caldav: CalDavProvider;
  /** The CalDAV calendar. */
  dav: CalendarRecord;
  /** A second calendar (memory) linked to the same hub events. */
  other: CalendarRecord;
  otherServer: MemoryCalendarServer;
  syncDav(opts?: SyncOptions): Promise<SyncReport>;
  syncOther(opts?: SyncOptions): Promise<SyncReport>;
  /** Every hub event, tombstones included. */
  hubEvents(): Promise<HubEvent[]>;
  close(): Promise<void>;
}

export async function makeCalDavHub(serverUrl: string, calendarUrl: string): Promise<CalDavHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-caldav-engine-'));
  const clock = new ManualClock();
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  const tenant = await store.tenants.ensureDefault();
  const caldav = new CalDavProvider({ url: serverUrl, username: 'test', password: 'x', allowPrivate: true, resilience: { baseDelayMs: 5 } });
  const davIntegration = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'dav', config: { url: serverUrl }, credentials: {} });
  const dav = await store.calendars.upsert(tenant.id, davIntegration.id, { remoteId: calendarUrl, name: 'dav', enabled: true });
  const otherServer = new MemoryCalendarServer({ clock });
  const memory = new MemoryProvider(otherServer);
  const remote = otherServer.addCalendar({ name: 'other' });
  const memoryIntegration = await store.integrations.create(tenant.id, { provider: 'memory', name: 'memory', config: {}, credentials: {} });
  const other = await store.calendars.upsert(tenant.id, memoryIntegration.id, { remoteId: remote.remoteId, name: 'other', enabled: true });
  const sync = (provider: CalendarProvider, calendar: CalendarRecord, opts: SyncOptions = {}): Promise<SyncReport> =>
    syncCalendar({ store, provider, clock }, { tenantId: tenant.id, calendarId: calendar.id }, opts);
  return {
    store,
    tenantId: tenant.id,
    caldav,
    dav,
    other,
    otherServer,
    syncDav: (opts) => sync(caldav, dav, opts),
    syncOther: (opts) => sync(memory, other, opts),
    hubEvents: () => store.events.list(tenant.id, { includeDeleted: true }),
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
