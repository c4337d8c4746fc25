/**
 * iCloud's quirks, one test each, replayed by a loopback stand-in (test/support/icloud-replay.ts) and
 * met by the real CalDAV provider over real HTTP. Each test names the public report the quirk comes
 * from; where a report leaves a detail open (a status code, a body), the replay's choice is said.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { readResource } from '../../src/providers/caldav/resource-items.js';
import type { ChangeSet } from '../../src/providers/types.js';
import { makeEvent, utc } from '../support/events.js';
import { CALENDAR_PATH, ICloudReplay, REPLAY_PASSWORD, REPLAY_USER } from '../support/icloud-replay.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/icloud-replay/${name}`, import.meta.url), 'utf8').replaceAll('\n', '\r\n');
const unfold = (ics: string): string => ics.replaceAll('\r\n ', '').replaceAll('\n ', '');
const AUTH = `Basic ${Buffer.from(`${REPLAY_USER}:${REPLAY_PASSWORD}`).toString('base64')}`;

/** A content line as { sorted parameters, value }: the value starts at the first ':' outside quotes. */
function parts(line: string | undefined): { params: string[]; value: string } {
  const text = line ?? '';
  let quoted = false;
  let cut = text.length;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === ':' && !quoted) {
      cut = i;
      break;
    }
  }
  return { params: text.slice(0, cut).split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/).sort(), value: text.slice(cut + 1) };
}

function full(changes: ChangeSet): Extract<ChangeSet, { kind: 'full' }> {
  if (changes.kind !== 'full') throw new Error(`expected full, got ${changes.kind}`);
  return changes;
}

function delta(changes: ChangeSet): Extract<ChangeSet, { kind: 'delta' }> {
  if (changes.kind !== 'delta') throw new Error(`expected delta, got ${changes.kind}`);
  return changes;
}

let replay: ICloudReplay;
let provider: CalDavProvider;
let calendar: string;
beforeEach(async () => {
  replay = await ICloudReplay.start();
  provider = new CalDavProvider({ url: replay.frontUrl, username: REPLAY_USER, password: REPLAY_PASSWORD, allowPrivate: true, resilience: { baseDelayMs: 1 } });
  calendar = new URL(CALENDAR_PATH, replay.partitionUrl).toString();
});
afterEach(async () => replay.stop());

describe('iCloud quirks replayed on loopback', () => {
  it('calendar-home-set on another host: discovery follows it with the credentials [github.com/emersion/go-webdav/issues/61, github.com/python-caldav/caldav/issues/3]', async () => {
    const calendars = await provider.listCalendars();
    // The VTODO list ("Reminders") is left out; the event calendar lives on the partition host.
    expect(calendars).toEqual([{ remoteId: calendar, name: 'Home', writable: true, components: ['VEVENT'] }]);
    const partition = replay.requests.filter((r) => r.host === 'partition');
    expect(partition.length).toBeGreaterThan(0);
    expect(replay.requests.every((r) => r.headers.authorization === AUTH)).toBe(true);
    expect(replay.requests.filter((r) => r.host === 'front').map((r) => `${r.method} ${r.path}`)).toEqual([
      'PROPFIND /.well-known/caldav',
      'PROPFIND /',
      'PROPFIND /1234567890/principal/',
    ]);
  });

  it('a calendar-query without a VEVENT comp-filter is refused, calsync always sends one [github.com/lfos/calcurse/issues/30, github.com/Foundry376/Mailspring-Sync/pull/62]', async () => {
    replay.put('walk.ics', fixture('walk-with-override.ics'));
    // The refusal itself (calcurse saw an error until the filter was added; the replay answers 400).
    const bare = await fetch(calendar, {
      method: 'REPORT',
      headers: { Authorization: AUTH, Depth: '1', 'Content-Type': 'application/xml' },
      body: '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>',
    });
    expect(bare.status).toBe(400);

    const listing = full(await provider.listChanges(calendar, null));
    expect(listing.items.map((i) => i.event.uid)).toEqual(['6F1E6E0B-1D6A-4C0F-9C1B-4D7A0B8F3E21']);
    const queries = replay.requests.filter((r) => r.method === 'REPORT' && r.body.includes('calendar-query') && r.headers.authorization === AUTH);
    expect(queries.at(-1)?.body).toMatch(/<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"\/><\/c:comp-filter>/);
  });

  it('several VEVENTs per resource: master + override are one item, two UIDs are a named problem [github.com/lfos/calcurse/pull/60]', async () => {
    replay.put('walk.ics', fixture('walk-with-override.ics'));
    replay.put('two-uids.ics', fixture('two-uids.ics'));
    const listing = full(await provider.listChanges(calendar, null));
    expect(listing.items).toHaveLength(1);
    const walk = listing.items[0];
    expect(walk?.remoteId).toBe(`${CALENDAR_PATH}walk.ics`);
    expect(walk?.event.recurrence?.rrules).toEqual(['FREQ=WEEKLY;COUNT=6']);
    expect(walk?.event.overrides.map((o) => o.title)).toEqual(['Venue walk-through (moved)']);
    // Neither event of the two-UID resource is dropped silently or split into items the engine could
    // write back one by one: the resource is reported, the listing goes on.
    expect(listing.problems).toEqual([expect.objectContaining({ remoteId: `${CALENDAR_PATH}two-uids.ics`, code: 'MULTIPLE_UIDS' })]);
  });

  it('DTSTART without DTEND: read as such; a PUT of one is answered 404, so calsync writes the implied end [github.com/bitfireAT/davx5-ose/issues/1859, github.com/pimutils/vdirsyncer/issues/1200]', async () => {
    replay.put('ceremony.ics', fixture('ceremony-no-dtend.ics'));
    const listing = full(await provider.listChanges(calendar, null));
    expect(listing.items[0]?.event.start).toEqual(utc('2026-08-15T14:00:00Z'));
    expect(listing.items[0]?.event.end).toBeUndefined();

    const { end: _end, ...rest } = makeEvent({ uid: 'toast-2026@calsync.test', title: 'Toast', start: utc('2026-08-15T18:00:00Z') });
    const created = await provider.create(calendar, rest, { hubId: 'hub-toast' });
    const puts = replay.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(unfold(puts[0]?.body ?? '')).not.toMatch(/^DTEND/m);
    expect(unfold(puts[1]?.body ?? '')).toMatch(/^DTEND:20260815T180000Z\r?$/m);
    expect(created.item.event.end).toEqual(utc('2026-08-15T18:00:00Z'));
    expect(created.item.event.title).toBe('Toast');
  });

  it('X-APPLE-STRUCTURED-LOCATION and travel time survive an update byte for byte [github.com/nextcloud/calendar/issues/6072, github.com/Aupajo/almanack/issues/24]', async () => {
    replay.put('venue.ics', fixture('venue-apple-location.ics'));
    const [item] = full(await provider.listChanges(calendar, null)).items;
    if (!item) throw new Error('venue not listed');
    expect(item.event.location).toBe('Kew Gardens\nRichmond TW9 3AE, United Kingdom');

    const updated = await provider.update(calendar, item.remoteId, { ...item.event, title: 'Venue visit (confirmed)' }, item.etag, { hubId: 'hub-venue' });
    expect(updated.item.event.title).toBe('Venue visit (confirmed)');
    const stored = unfold(replay.stored('venue.ics') ?? '');
    const source = unfold(fixture('venue-apple-location.ics'));
    for (const name of ['X-APPLE-STRUCTURED-LOCATION', 'X-APPLE-TRAVEL-DURATION', 'X-APPLE-TRAVEL-START', 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR']) {
      const line = (ics: string): string | undefined => ics.split(/\r?\n/).find((l) => l.startsWith(`${name};`) || l.startsWith(`${name}:`));
      expect(line(stored), name).toBeDefined();
      // Same parameters and value (parameter order may differ, as RFC 5545 allows).
      expect(parts(line(stored)), name).toEqual(parts(line(source)));
    }
    expect(readResource({ href: item.remoteId, etag: '"x"', data: replay.stored('venue.ics') ?? '' }).item?.event.extra).toEqual(item.event.extra);
  });

  it('a sync-token presented again is answered 403: a full listing follows, deletions show, nothing is lost [github.com/python-caldav/caldav/issues/122]', async () => {
    // python-caldav#122: iCloud may drop a sync token; the replay drops it once used and answers a
    // bare 403 (no DAV:valid-sync-token body), as a retried sync whose cursor never advanced sees it.
    replay.put('walk.ics', fixture('walk-with-override.ics'));
    replay.put('venue.ics', fixture('venue-apple-location.ics'));
    const first = full(await provider.listChanges(calendar, null));
    replay.put('ceremony.ics', fixture('ceremony-no-dtend.ics'));
    const second = delta(await provider.listChanges(calendar, first.cursor));
    expect(second.changed.map((i) => i.remoteId)).toEqual([`${CALENDAR_PATH}ceremony.ics`]);

    replay.remove('venue.ics');
    const retried = full(await provider.listChanges(calendar, first.cursor));
    expect(replay.requests.some((r) => r.method === 'REPORT' && r.body.includes('sync-collection') && r.headers.authorization === AUTH)).toBe(true);
    expect(retried.items.map((i) => i.remoteId).sort()).toEqual([`${CALENDAR_PATH}ceremony.ics`, `${CALENDAR_PATH}walk.ics`]);
    expect(retried.problems).toEqual([]);
    // The cursor of that full listing works incrementally again.
    expect((await provider.listChanges(calendar, retried.cursor)).kind).toBe('unchanged');
  });

  it('an ETag that changes without a content change reads as the same event [github.com/t4t5/caldir/pull/71]', async () => {
    replay.put('walk.ics', fixture('walk-with-override.ics'));
    const first = full(await provider.listChanges(calendar, null));
    const before = first.items[0];
    const etag = replay.touch('walk.ics');
    const changes = delta(await provider.listChanges(calendar, first.cursor));
    expect(changes.changed).toHaveLength(1);
    expect(changes.changed[0]?.etag).toBe(etag);
    expect(changes.changed[0]?.etag).not.toBe(before?.etag);
    // Identical events: the engine compares events, not ETags, so nothing is written anywhere.
    expect(changes.changed[0]?.event).toEqual(before?.event);
    expect(changes.removed).toEqual([]);
  });
});
