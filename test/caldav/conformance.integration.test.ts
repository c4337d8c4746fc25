/** The CalDAV provider passes the shared provider conformance suite on real Radicale, Xandikos, Cyrus and DAViCal. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { serializeIcal } from '../../src/ical/index.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { resourceNameForUid } from '../../src/providers/caldav/resource-name.js';
import { providerConformance, type ConformanceFixture, type OtherClient } from '../providers/conformance.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { startXandikos } from '../support/xandikos.js';
import { cyrusMkcalendar, startCyrus, type CyrusServer } from '../support/cyrus.js';
import { davicalMkcalendar, startDavical, type DavicalServer } from '../support/davical.js';

/** A plain CalDAV client (as a phone would be): unconditional PUT/DELETE, its own resource names. */
function rawClient(calendarUrl: string): OtherClient {
  const headers = { Authorization: `Basic ${Buffer.from('test:x').toString('base64')}` };
  const url = (remoteId: string): string => new URL(remoteId, calendarUrl).toString();
  return {
    async create(event) {
      const remoteId = `${new URL(calendarUrl).pathname}phone-${resourceNameForUid(event.uid)}`;
      const res = await fetch(url(remoteId), { method: 'PUT', headers: { ...headers, 'Content-Type': 'text/calendar' }, body: serializeIcal([event]) });
      if (res.status >= 300) throw new Error(`raw PUT ${res.status}: ${await res.text()}`);
      return remoteId;
    },
    async update(remoteId, event) {
      const res = await fetch(url(remoteId), { method: 'PUT', headers: { ...headers, 'Content-Type': 'text/calendar' }, body: serializeIcal([event]) });
      if (res.status >= 300) throw new Error(`raw PUT ${res.status}: ${await res.text()}`);
    },
    async delete(remoteId) {
      const res = await fetch(url(remoteId), { method: 'DELETE', headers });
      if (res.status >= 300 && res.status !== 404) throw new Error(`raw DELETE ${res.status}`);
    },
  };
}

function provider(server: DavServer): CalDavProvider {
  return new CalDavProvider({ url: server.url, username: 'test', password: 'x', allowPrivate: true, resilience: { baseDelayMs: 10 } });
}

let radicale: DavServer;
let xandikos: DavServer;
let cyrus: CyrusServer;
let davical: DavicalServer;
beforeAll(async () => {
  [radicale, xandikos, cyrus, davical] = await Promise.all([startRadicale(), startXandikos(), startCyrus(), startDavical()]);
});
afterAll(async () => {
  await Promise.all([radicale?.stop(), xandikos?.stop(), cyrus?.stop(), davical?.stop()]);
});

providerConformance('CalDAV on Radicale', async (): Promise<ConformanceFixture> => {
  const calendarUrl = await mkcalendar(radicale.url, 'test', `c-${randomUUID()}`);
  return { provider: provider(radicale), calendarId: calendarUrl, otherClient: rawClient(calendarUrl), cleanup: async () => undefined };
});

providerConformance('CalDAV on Xandikos', async (): Promise<ConformanceFixture> => {
  // Xandikos serves one calendar; each test gets a fresh one with MKCALENDAR under the home set.
  const calendarUrl = new URL(`/user/calendars/c-${randomUUID()}/`, xandikos.url).toString();
  const res = await fetch(calendarUrl, { method: 'MKCALENDAR' });
  if (res.status !== 201) throw new Error(`MKCALENDAR on Xandikos: ${res.status}`);
  return { provider: provider(xandikos), calendarId: calendarUrl, otherClient: rawClient(calendarUrl), cleanup: async () => undefined };
});

providerConformance('CalDAV on Cyrus', async (): Promise<ConformanceFixture> => {
  const calendarUrl = await cyrusMkcalendar(cyrus, `c-${randomUUID()}`);
  return { provider: provider(cyrus), calendarId: calendarUrl, otherClient: rawClient(calendarUrl), cleanup: async () => undefined };
});

providerConformance('CalDAV on DAViCal', async (): Promise<ConformanceFixture> => {
  const calendarUrl = await davicalMkcalendar(davical, `c-${randomUUID()}`);
  return { provider: provider(davical), calendarId: calendarUrl, otherClient: rawClient(calendarUrl), cleanup: async () => undefined };
});
