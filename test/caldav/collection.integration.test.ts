/**
 * The collection layer against real Radicale, Xandikos, Cyrus and DAViCal: CTag, sync-collection (incl. an invalid
 * token), calendar-query, PROPFIND listing, multiget, and writes with preconditions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarCollection } from '../../src/providers/caldav/calendar-collection.js';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { CalsyncError } from '../../src/errors.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { startXandikos, XANDIKOS_CALENDAR_PATH } from '../support/xandikos.js';
import { cyrusMkcalendar, startCyrus } from '../support/cyrus.js';
import { davicalMkcalendar, startDavical } from '../support/davical.js';

function ics(uid: string, summary: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//calsync//test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260601T100000Z',
    'DTEND:20260601T110000Z',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof CalsyncError ? e.code : `untyped: ${String(e)}`),
  );
}

/** What differs between the servers, asserted as it is (README's server matrix). */
interface Quirks {
  /** Xandikos 0.2.8 and DAViCal 1.1 ignore calendar-data in sync-collection (the change detector multigets instead). */
  syncReturnsData: boolean;
  /** DAViCal 1.1 stores a second resource with a UID the collection already has (no no-uid-conflict). */
  rejectsUidClash: boolean;
  /** DAViCal 1.1 answers an unknown sync-token with every member as changed instead of valid-sync-token. */
  rejectsUnknownToken: boolean;
}
const STRICT: Quirks = { syncReturnsData: true, rejectsUidClash: true, rejectsUnknownToken: true };

const servers: Array<[string, Quirks, () => Promise<{ server: DavServer; calendarUrl: string }>]> = [
  ['Radicale', STRICT, async () => {
    const server = await startRadicale();
    return { server, calendarUrl: await mkcalendar(server.url, 'test', 'work') };
  }],
  ['Xandikos', { ...STRICT, syncReturnsData: false }, async () => {
    const server = await startXandikos();
    return { server, calendarUrl: new URL(XANDIKOS_CALENDAR_PATH, server.url).toString() };
  }],
  ['Cyrus', STRICT, async () => {
    const server = await startCyrus();
    return { server, calendarUrl: await cyrusMkcalendar(server, 'work') };
  }],
  ['DAViCal', { syncReturnsData: false, rejectsUidClash: false, rejectsUnknownToken: false }, async () => {
    const server = await startDavical();
    return { server, calendarUrl: await davicalMkcalendar(server, 'work') };
  }],
];

describe.each(servers)('calendar collection on %s', (_name, quirks, start) => {
  let server: DavServer;
  let collection: CalendarCollection;
  let client: DavClient;

  beforeAll(async () => {
    const started = await start();
    server = started.server;
    client = new DavClient({ trustedUrl: server.url, username: 'test', password: 'x', allowPrivate: true });
    collection = new CalendarCollection(client, started.calendarUrl);
  });
  afterAll(async () => server.stop());

  it('creates, lists, syncs, updates and deletes with preconditions', async () => {
    const initial = await collection.state();
    expect(initial.ctag).toBeDefined();
    expect(initial.reports.has('{DAV:}sync-collection')).toBe(true);
    const base = await collection.syncCollection('', false);

    const etag = await collection.put(`${collection.path}one.ics`, ics('one', 'First'), { ifNoneMatch: true });
    expect(etag).toMatch(/^"/);
    expect(await codeOf(collection.put(`${collection.path}one.ics`, ics('one', 'Again'), { ifNoneMatch: true }))).toBe('PROVIDER_PRECONDITION_FAILED');
    const clash = collection.put(`${collection.path}other.ics`, ics('one', 'Clash'), { ifNoneMatch: true });
    if (quirks.rejectsUidClash) expect(await codeOf(clash)).toBe('PROVIDER_CONFLICT');
    else {
      expect(await codeOf(clash)).toBeUndefined();
      const both = await collection.query(false, { uid: 'one' });
      expect(both.map((i) => i.href).sort()).toEqual([`${collection.path}one.ics`, `${collection.path}other.ics`]);
      await collection.delete(`${collection.path}other.ics`, both.find((i) => i.href.endsWith('other.ics'))?.etag ?? '');
    }

    const afterCreate = await collection.state();
    expect(afterCreate.ctag).not.toBe(initial.ctag);
    const delta = await collection.syncCollection(base.token, true);
    expect(delta.changed.map((i) => i.href)).toEqual([`${collection.path}one.ics`]);
    if (quirks.syncReturnsData) expect(delta.changed[0]?.data).toContain('SUMMARY:First');
    else expect(delta.changed[0]?.data).toBeUndefined();

    const listed = await collection.query(true);
    expect(listed.map((i) => i.href)).toEqual([`${collection.path}one.ics`]);
    const etags = await collection.listEtags();
    expect(etags.map((i) => i.etag)).toEqual([listed[0]?.etag]);
    const [got] = await collection.multiget([`${collection.path}one.ics`, `${collection.path}missing.ics`]);
    expect(got?.data).toContain('UID:one');
    expect(await collection.query(false, { uid: 'one' })).toHaveLength(1);
    expect(await collection.query(false, { uid: 'nobody' })).toHaveLength(0);

    const current = listed[0]?.etag ?? '';
    const next = await collection.put(`${collection.path}one.ics`, ics('one', 'Second'), { ifMatch: current });
    expect(await codeOf(collection.put(`${collection.path}one.ics`, ics('one', 'Stale'), { ifMatch: current }))).toBe('PROVIDER_PRECONDITION_FAILED');
    expect(await codeOf(collection.delete(`${collection.path}one.ics`, current))).toBe('PROVIDER_PRECONDITION_FAILED');
    const stored = await collection.get(`${collection.path}one.ics`);
    expect(stored?.data).toContain('SUMMARY:Second');
    await collection.delete(`${collection.path}one.ics`, next ?? stored?.etag ?? '');
    expect(await collection.get(`${collection.path}one.ics`)).toBeUndefined();

    const removal = await collection.syncCollection(delta.token, false);
    expect(removal.removed).toEqual([`${collection.path}one.ics`]);
    expect(removal.changed).toEqual([]);
  });

  it('answers an unknown sync-token with PROVIDER_INVALID_SYNC_TOKEN (DAViCal: as a listing from nothing)', async () => {
    const state = await collection.state();
    const bogus = `${state.syncToken?.slice(0, -6) ?? ''}abcdef`;
    if (quirks.rejectsUnknownToken) {
      expect(await codeOf(collection.syncCollection(bogus, false))).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    } else {
      // Answered as if from nothing: every member "changed", no removals, the current token.
      const page = await collection.syncCollection(bogus, false);
      expect(page.removed).toEqual([]);
      expect(page.token).toBe(state.syncToken);
    }
  });
});
