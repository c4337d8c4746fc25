/**
 * A Cyrus IMAP or DAViCal instance (test/support) holding a large calendar, seeded over HTTP: one PUT
 * per event, 8 in flight. Unlike Radicale (radicale-seed.ts) neither stores plain files we could write
 * directly, and both write fast enough through their own front door. Then one calendar-query and one
 * sync-collection from nothing warm the server before anything is timed, as for Radicale.
 */
import type { CalendarEvent } from '../../src/model/event.js';
import { cyrusMkcalendar, startCyrus } from '../../test/support/cyrus.js';
import { davicalMkcalendar, startDavical } from '../../test/support/davical.js';
import type { DavServer } from '../../test/support/radicale.js';
import { resourceIcal } from './caldav-data.js';
import { calendarQuery, putResource, syncCollection, type DavAccount } from './dav.js';
import { resourceName } from './radicale-seed.js';

export type HttpSeededServerName = 'cyrus' | 'davical';

export interface SeededOverHttp {
  server: DavServer;
  account: DavAccount;
  bytes: number;
  /** PUTting the events, the first calendar-query, the first sync-token (seconds). */
  seconds: { files: number; itemCache: number; firstSyncToken: number };
}

const IN_FLIGHT = 8;

export async function startSeededOverHttp(
  kind: HttpSeededServerName,
  user: string,
  password: string,
  collection: string,
  events: readonly CalendarEvent[],
): Promise<SeededOverHttp> {
  const account = { name: user, password };
  const server = kind === 'cyrus' ? await startCyrus(account) : await startDavical(account);
  try {
    const calendarUrl = kind === 'cyrus' ? await cyrusMkcalendar(server as Awaited<ReturnType<typeof startCyrus>>, collection, account) : await davicalMkcalendar(server as Awaited<ReturnType<typeof startDavical>>, collection, account);
    const dav: DavAccount = { calendarUrl, username: user, password };
    let bytes = 0;
    let started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const event = events[next++];
        if (!event) return;
        const ical = resourceIcal(event);
        bytes += Buffer.byteLength(ical);
        await putResource(dav, resourceName(event.uid), ical);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const files = (performance.now() - started) / 1000;
    started = performance.now();
    await calendarQuery(dav);
    const itemCache = (performance.now() - started) / 1000;
    started = performance.now();
    await syncCollection(dav, '');
    const firstSyncToken = (performance.now() - started) / 1000;
    return { server, account: dav, bytes, seconds: { files, itemCache, firstSyncToken } };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
