/** Small helpers for the Outlook tests that need no emulator: a store, a queue that records, a subscribed calendar. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue, JobSpec } from '../../src/queue/types.js';
import { newSubscriptionKey, sealClientState, writeRecord } from '../../src/service/outlook/subscription-record.js';
import { notificationUrl } from '../../src/service/outlook/webhook-urls.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord, Integration } from '../../src/store/types.js';
import type { Clock } from '../../src/util/clock.js';
import { ManualClock } from '../../src/util/clock.js';

export interface RecordingQueue extends JobQueue {
  specs: JobSpec[];
}

/** The queue, with every enqueue recorded (spec order = call order). */
export function recording(queue: JobQueue): RecordingQueue {
  const specs: JobSpec[] = [];
  return Object.assign(Object.create(queue) as JobQueue, {
    specs,
    enqueue<P>(spec: JobSpec<P>) {
      specs.push(spec as JobSpec);
      return queue.enqueue(spec);
    },
  }) as RecordingQueue;
}

export interface SubscribedCalendar {
  store: SqlStore;
  queue: RecordingQueue;
  clock: ManualClock;
  tenantId: string;
  integration: Integration;
  calendar: CalendarRecord;
  subscriptionId: string;
  clientState: string;
  close(): Promise<void>;
}

/** A store with one Outlook calendar whose subscription record says `sub-1` / `clientState`. */
export async function subscribedCalendar(clock: ManualClock = new ManualClock()): Promise<SubscribedCalendar> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-webhook-'));
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, secretKey: '22'.repeat(32), clock });
  const queue = recording(await openQueue({ db: store.db, dialect: store.dialect, clock }));
  const tenant = await store.tenants.ensureDefault();
  const credentials = { subscriptionKey: newSubscriptionKey() };
  const integration = await store.integrations.create(tenant.id, {
    provider: 'outlook',
    name: 'Outlook test',
    config: { graphUrl: 'https://graph.invalid/v1.0', authority: 'https://login.invalid/common', clientId: 'c', redirectUri: 'http://127.0.0.1/callback' },
    credentials,
  });
  const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: 'AAMkCal1', name: 'Calendar', enabled: true });
  const clientState = 'the-shared-secret-0123456789';
  await writeRecord(store, tenant.id, calendar.id, {
    subscriptionId: 'sub-1',
    expiresAt: new Date(clock.now() + 3 * 86_400_000).toISOString(),
    clientState: sealClientState(credentials, calendar.id, clientState),
    notificationUrl: notificationUrl('http://127.0.0.1:1', tenant.id, calendar.id),
  });
  return {
    store,
    queue,
    clock,
    tenantId: tenant.id,
    integration,
    calendar,
    subscriptionId: 'sub-1',
    clientState,
    close: async () => {
      await queue.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function notification(subscriptionId: string, clientState: string | null, remoteId = 'AAMkEvt1', changeType = 'updated'): Record<string, unknown> {
  return {
    subscriptionId,
    subscriptionExpirationDateTime: '2026-06-04T12:00:00Z',
    clientState,
    changeType,
    resource: `Users/87d349ed/Events/${remoteId}`,
    tenantId: 'b6b5e7a4-3f5c-4b8e-9d21-0c6f1a2e7d11',
    resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/87d349ed/Events/${remoteId}`, '@odata.etag': 'W/"x"', id: remoteId },
  };
}

export type { Clock };
