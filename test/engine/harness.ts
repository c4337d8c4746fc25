/**
 * A hub (SQLite in memory) with memory calendars linked to it, for executor and engine tests: one memory
 * server, one integration, as many calendars as asked, and helpers to sync them and read both sides.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CalendarEvent } from '../../src/model/event.js';
import { MemoryCalendarServer, MemoryProvider, type MemoryOtherClient, type MemoryProviderOptions } from '../../src/providers/memory/index.js';
import type { RemoteItem } from '../../src/providers/types.js';
import { openStore } from '../../src/store/open.js';
import type { CalendarRecord, ConflictRules, Integration, Store, SyncDirection } from '../../src/store/types.js';
import { syncCalendar, type SyncDeps, type SyncOptions, type SyncReport } from '../../src/sync/engine.js';
import { sameContent } from '../../src/sync/fields.js';
import { ManualClock } from '../../src/util/clock.js';

export interface Hub {
  store: Store;
  clock: ManualClock;
  server: MemoryCalendarServer;
  provider: MemoryProvider;
  tenantId: string;
  integration: Integration;
  calendars: CalendarRecord[];
  deps(overrides?: Partial<SyncDeps>): SyncDeps;
  sync(calendar?: CalendarRecord, opts?: SyncOptions, deps?: Partial<SyncDeps>): Promise<SyncReport>;
  /** The user's phone editing calendar `n` directly. */
  phone(calendar?: CalendarRecord): MemoryOtherClient;
  remote(calendar?: CalendarRecord): RemoteItem[];
  hubEvents(): Promise<CalendarEvent[]>;
  close(): Promise<void>;
}

export interface HubOptions {
  calendars?: number;
  rules?: ConflictRules;
  direction?: SyncDirection;
  /** Store stored copies verbatim instead of stamping them like CalDAV (default: stamp). */
  verbatim?: boolean;
  seed?: number;
  provider?: MemoryProviderOptions;
  /** Cursors and etags are content hashes, as on Radicale and Xandikos. */
  contentHashCursors?: boolean;
  /** Share one store (and clock) between hubs: each hub gets its own tenant (model runs). */
  shared?: { store: Store; clock: ManualClock };
}

let tenants = 0;

export async function makeHub(options: HubOptions = {}): Promise<Hub> {
  const dataDir = options.shared ? undefined : mkdtempSync(join(tmpdir(), 'calsync-engine-'));
  const clock = options.shared?.clock ?? new ManualClock();
  const store = options.shared?.store ?? (await openStore({ databaseUrl: 'sqlite::memory:', dataDir: dataDir ?? '', clock }));
  const server = new MemoryCalendarServer({ clock, seed: options.seed ?? 7, ...(options.verbatim ? { rewrite: false } : {}), ...(options.contentHashCursors ? { contentHashCursors: true } : {}) });
  const provider = new MemoryProvider(server, options.provider);
  tenants += 1;
  const tenant = options.shared ? await store.tenants.create(`model-${tenants}-${clock.now()}`) : await store.tenants.ensureDefault();
  const integration = await store.integrations.create(tenant.id, {
    provider: 'memory',
    name: 'memory',
    config: {},
    credentials: {},
    ...(options.rules ? { conflictRules: options.rules } : {}),
  });
  const calendars: CalendarRecord[] = [];
  for (let i = 0; i < (options.calendars ?? 1); i += 1) {
    const remote = server.addCalendar({ name: `Calendar ${i + 1}` });
    let cal = await store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true });
    if (options.direction) cal = await store.calendars.update(tenant.id, cal.id, { direction: options.direction });
    calendars.push(cal);
  }
  const first = (): CalendarRecord => {
    const cal = calendars[0];
    if (!cal) throw new Error('no calendar');
    return cal;
  };
  const deps = (overrides: Partial<SyncDeps> = {}): SyncDeps => ({ store, provider, clock, ...overrides });
  return {
    store,
    clock,
    server,
    provider,
    tenantId: tenant.id,
    integration,
    calendars,
    deps,
    sync: (calendar = first(), opts = {}, overrides = {}) => syncCalendar(deps(overrides), { tenantId: tenant.id, calendarId: calendar.id }, opts),
    phone: (calendar = first()) => server.otherClient(calendar.remoteId),
    remote: (calendar = first()) => server.items(calendar.remoteId),
    hubEvents: async () => (await store.events.list(tenant.id)).map((e) => e.event),
    close: async () => {
      if (dataDir === undefined) return;
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SharedStore {
  store: Store;
  clock: ManualClock;
  close(): Promise<void>;
}

/**
 * A store for many hubs (one tenant each), cheaper than migrating a database per model run. Default
 * SQLite in memory; pass a `postgres://` URL for PostgreSQL.
 */
export async function sharedStore(databaseUrl = 'sqlite::memory:'): Promise<SharedStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-engine-'));
  const clock = new ManualClock();
  const store = await openStore({ databaseUrl, dataDir, clock });
  return {
    store,
    clock,
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether two lists of events hold the same events (by UID, compared as sync compares them). */
export function sameEvents(a: readonly CalendarEvent[], b: readonly CalendarEvent[]): boolean {
  if (a.length !== b.length) return false;
  const byUid = new Map(b.map((e) => [e.uid, e]));
  return a.every((e) => {
    const other = byUid.get(e.uid);
    return other !== undefined && sameContent(e, other);
  });
}
