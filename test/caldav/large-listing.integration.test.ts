/**
 * Regression for a crash at ~1,000 events: with `allowPrivate` the provider used Node's built-in fetch,
 * which ran on the npm undici 7 agent that importing the provider had installed as the global
 * dispatcher, and a large gzip'd listing from Radicale (which closes the connection after every
 * answer) killed the process with an uncatchable `AssertionError: assert(!this.paused)` inside undici.
 * 1,500 events are written straight into Radicale's storage folder (its documented multifilesystem
 * layout; seeding through HTTP would take minutes), then listed through the provider.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeIcal } from '../../src/ical/index.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { makeEvent } from '../support/events.js';
import { startRadicale, type DavServer } from '../support/radicale.js';

const EVENTS = 1500;

describe('a large listing from real Radicale with allowPrivate', () => {
  let server: DavServer;
  let calendarUrl: string;

  beforeAll(async () => {
    server = await startRadicale();
    const folder = join(server.dir, 'collection-root', 'test', 'large');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '.Radicale.props'), JSON.stringify({ tag: 'VCALENDAR', 'C:supported-calendar-component-set': 'VEVENT' }));
    for (let i = 0; i < EVENTS; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const event = makeEvent({
        uid: `large-${String(i).padStart(5, '0')}`,
        title: `Wedding planning call ${i} — venue, florist, caterer and the seating plan`,
        start: { kind: 'utc', utc: `2026-08-${day}T10:00:00Z` },
        end: { kind: 'utc', utc: `2026-08-${day}T11:00:00Z` },
      });
      writeFileSync(join(folder, `${event.uid}.ics`), serializeIcal([event]));
    }
    calendarUrl = new URL('/test/large/', server.url).toString();
  });
  afterAll(async () => server.stop());

  it(`lists ${EVENTS} events, twice, without crashing the process`, async () => {
    const provider = new CalDavProvider({ url: server.url, username: 'test', password: 'x', allowPrivate: true, timeoutMs: 120_000 });
    const first = await provider.listChanges(calendarUrl, null);
    if (first.kind !== 'full') throw new Error(`expected full, got ${first.kind}`);
    expect(first.items).toHaveLength(EVENTS);
    expect(first.problems).toEqual([]);
    const again = await provider.listChanges(calendarUrl, first.cursor, { full: true });
    expect(again.kind === 'full' && again.items.length).toBe(EVENTS);
    expect((await provider.listChanges(calendarUrl, again.cursor)).kind).toBe('unchanged');
  }, 180_000);
});
