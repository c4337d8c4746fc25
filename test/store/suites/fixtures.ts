import type { HubEvent } from '../../../src/model/event.js';
import type { SqlStore } from '../../../src/store/open.js';
import type { CalendarRecord, Integration, Tenant } from '../../../src/store/types.js';
import { makeEvent } from '../../support/events.js';
import type { SharedStore } from '../harness.js';

export interface World {
  store: SqlStore;
  tenant: Tenant;
  integration: Integration;
  calendar: CalendarRecord;
  /** Another calendar of the same integration. */
  calendar2: CalendarRecord;
  event: HubEvent;
  event2: HubEvent;
}

/** A tenant with one integration, two calendars and two hub events. */
export async function world(s: SharedStore): Promise<World> {
  const tenant = await s.tenant();
  const integration = await s.store.integrations.create(tenant.id, { provider: 'caldav', name: 'Radicale', config: {}, credentials: {} });
  const calendar = await s.store.calendars.upsert(tenant.id, integration.id, { remoteId: '/cal/one/', name: 'One' });
  const calendar2 = await s.store.calendars.upsert(tenant.id, integration.id, { remoteId: '/cal/two/', name: 'Two' });
  const [event, event2] = await s.store.events.putMany(tenant.id, [
    { event: makeEvent(), source: 'wedsync' },
    { event: makeEvent(), source: 'wedsync' },
  ]);
  if (!event || !event2) throw new Error('fixture events missing');
  return { store: s.store, tenant, integration, calendar, calendar2, event, event2 };
}
