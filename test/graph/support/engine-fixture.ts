/**
 * The sync engine on a real SQLite store against the Graph emulator, with a hook in the provider's
 * transport: a test can run "another Outlook client's" edit at an exact point of calsync's request
 * sequence (after our PATCH answered, before our read-back) — deterministic, no timing involved.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CalendarEvent } from '../../../src/model/event.js';
import type { FetchInit, FetchLike } from '../../../src/net/types.js';
import { openStore } from '../../../src/store/open.js';
import type { HubEvent } from '../../../src/model/event.js';
import type { CalendarRecord, Store } from '../../../src/store/types.js';
import { syncCalendar, type SyncReport } from '../../../src/sync/engine.js';
import { ManualClock } from '../../../src/util/clock.js';
import { graphFixture, type GraphFixture } from './emulator-fixture.js';

/** One request as the transport sends it. */
export interface SentRequest {
  url: string;
  method: string;
  body: string;
}

/**
 * A hook on the transport: `when` picks the request; `phase` says whether `run` goes before the request is
 * sent (holding it, as a slow network would) or after its response arrived (before calsync sees it).
 */
export interface RequestHook {
  when: (req: SentRequest, seen: readonly SentRequest[]) => boolean;
  phase: 'before' | 'after';
  run: () => Promise<void>;
}

export interface GraphEngine {
  fx: GraphFixture;
  store: Store;
  tenantId: string;
  calendar: CalendarRecord;
  /** Requests sent since the last `sync()` began. */
  sent: SentRequest[];
  /** Arms a one-shot hook (cleared once it ran). */
  hook(hook: RequestHook): void;
  /** Whether the armed hook ran. */
  readonly hookRan: boolean;
  sync(): Promise<SyncReport>;
  addHubEvent(event: CalendarEvent): Promise<HubEvent>;
  editHub(id: string, edit: (e: CalendarEvent) => CalendarEvent): Promise<HubEvent>;
  hubEvent(id: string): Promise<HubEvent>;
  close(): Promise<void>;
}

const bodyText = (init: FetchInit): string => init.body ?? '';

export async function graphEngine(): Promise<GraphEngine> {
  let armed: RequestHook | undefined;
  let ran = false;
  const sent: SentRequest[] = [];
  const wrap =
    (inner: FetchLike): FetchLike =>
    async (url, init) => {
      const req = { url, method: init.method ?? 'GET', body: bodyText(init) };
      const hook = armed && armed.when(req, sent) ? armed : undefined;
      sent.push(req);
      if (hook) armed = undefined;
      if (hook?.phase === 'before') {
        await hook.run();
        ran = true;
      }
      const res = await inner(url, init);
      if (hook?.phase === 'after') {
        await hook.run();
        ran = true;
      }
      return res;
    };
  const fx = await graphFixture({ wrapFetch: wrap });
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-graph-engine-'));
  const clock = new ManualClock(Date.parse('2026-05-01T09:00:00Z'));
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  const tenant = await store.tenants.ensureDefault();
  const integration = await store.integrations.create(tenant.id, { provider: 'outlook', name: 'outlook', config: {}, credentials: {} });
  const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: fx.calendarId, name: 'Weddings', enabled: true });
  const hubEvent = async (id: string): Promise<HubEvent> => {
    const e = await store.events.get(tenant.id, id);
    if (!e) throw new Error(`hub event ${id} missing`);
    return e;
  };
  return {
    fx,
    store,
    tenantId: tenant.id,
    calendar,
    sent,
    hook(hook) {
      armed = hook;
      ran = false;
    },
    get hookRan() {
      return ran;
    },
    async sync() {
      sent.length = 0;
      return syncCalendar({ store, provider: fx.provider, clock }, { tenantId: tenant.id, calendarId: calendar.id });
    },
    addHubEvent: (event) => store.events.put(tenant.id, { event, source: 'api' }),
    async editHub(id, edit) {
      const current = await hubEvent(id);
      return store.events.put(tenant.id, { id, event: edit(current.event), expectedVersion: current.version, source: 'api' });
    },
    hubEvent,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
      await fx.cleanup();
    },
  };
}
