/**
 * A server answering multigets with entries nobody asked for, or repeating itself, cannot make one
 * listing cost more than a bounded amount of work (listing-budget.ts).
 */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { serializeIcal } from '../../src/ical/index.js';
import { CalDavProvider, type CalDavProviderOptions } from '../../src/providers/caldav/caldav-provider.js';
import { encodeCursor } from '../../src/providers/caldav/cursor.js';
import { ManualClock } from '../../src/util/clock.js';
import { makeEvent } from '../support/events.js';
import { fakeFetch, multistatus, okResponse, xmlResponse, type Handler } from './fake-fetch.js';

const CAL = 'https://dav.example.com/cal/';
const COLLECTION = '<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><cs:getctag>c1</cs:getctag>';

function providerOn(handler: Handler, over: Partial<CalDavProviderOptions> = {}) {
  const fake = fakeFetch(handler);
  const provider = new CalDavProvider({
    url: 'https://dav.example.com/',
    username: 'u',
    password: 'p',
    fetch: fake.fetch,
    lookup: async () => ['93.184.216.34'],
    resilience: { baseDelayMs: 1, maxAttempts: 1 },
    ...over,
  });
  return { provider, calls: fake.calls };
}

async function failure(promise: Promise<unknown>): Promise<CalsyncError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof CalsyncError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

const calendarData = (uid: string): string => `<c:calendar-data>${serializeIcal([makeEvent({ uid })]).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</c:calendar-data>`;
const etagOnly = (n: number): string => okResponse(`/cal/${n}.ics`, `<d:getetag>"${n}"</d:getetag>`);

describe('a listing on a server that answers more than it was asked', () => {
  it('ignores multiget entries that were not requested, reports them once, and never re-requests them', async () => {
    const { provider, calls } = providerOn((req) => {
      if (req.method === 'PROPFIND') return xmlResponse(207, multistatus([okResponse('/cal/', COLLECTION)]));
      if (req.body?.includes('calendar-multiget')) {
        // The two asked for, with data, plus 50 strangers with data.
        const strangers = Array.from({ length: 50 }, (_, i) => okResponse(`/cal/x${i}.ics`, `<d:getetag>"x${i}"</d:getetag>${calendarData(`x${i}`)}`));
        return xmlResponse(207, multistatus([okResponse('/cal/1.ics', `<d:getetag>"1"</d:getetag>${calendarData('one')}`), okResponse('/cal/2.ics', `<d:getetag>"2"</d:getetag>${calendarData('two')}`), ...strangers]));
      }
      // calendar-query answers etags only, so the items are fetched by multiget.
      return xmlResponse(207, multistatus([etagOnly(1), etagOnly(2)]));
    });
    const changes = await provider.listChanges(CAL, null);
    expect(changes.kind).toBe('full');
    if (changes.kind !== 'full') return;
    expect(changes.items.map((i) => i.remoteId).sort()).toEqual(['/cal/1.ics', '/cal/2.ics']);
    expect(changes.problems).toEqual([expect.objectContaining({ remoteId: CAL, code: 'CALDAV_UNREQUESTED_RESPONSES' })]);
    expect(changes.problems[0]?.message).toContain('50 multiget entries');
    expect(calls.filter((c) => c.body?.includes('calendar-multiget'))).toHaveLength(1);
  });

  it('fetch returns only the items asked for', async () => {
    const { provider } = providerOn(() =>
      xmlResponse(207, multistatus([okResponse('/cal/1.ics', `<d:getetag>"1"</d:getetag>${calendarData('one')}`), okResponse('/cal/evil.ics', `<d:getetag>"e"</d:getetag>${calendarData('evil')}`)])),
    );
    const items = await provider.fetch(CAL, ['/cal/1.ics']);
    expect(items.map((i) => i.remoteId)).toEqual(['/cal/1.ics']);
  });

  it('stops a huge-multistatus server after a bounded number of round trips with a typed error', async () => {
    const huge = (count: number): string => multistatus(Array.from({ length: count }, (_, i) => etagOnly(i)));
    // Every request — listing and each multiget batch — is answered with the same 3,000 etag-only entries.
    const body = huge(3_000);
    const { provider, calls } = providerOn((req) => (req.method === 'PROPFIND' ? xmlResponse(207, multistatus([okResponse('/cal/', COLLECTION)])) : xmlResponse(207, body)));
    const err = await failure(provider.listChanges(CAL, null));
    expect(err.code).toBe('PROVIDER_LISTING_FAILED');
    expect(err.message).toMatch(/responses for a collection of 3000 items/);
    // Before: one multiget per 100 listed hrefs (30), each answered with 3,000 entries.
    expect(calls.filter((c) => c.body?.includes('calendar-multiget')).length).toBeLessThanOrEqual(3);
  });

  it('bounds a listing by a deadline on the injected clock', async () => {
    const clock = new ManualClock();
    let page = 0;
    const { provider } = providerOn(
      (req) => {
        if (req.method === 'PROPFIND') return xmlResponse(207, multistatus([okResponse('/cal/', `${COLLECTION}<d:supported-report-set><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report></d:supported-report-set><d:sync-token>t0</d:sync-token>`)]));
        // sync-collection pages that are always "truncated" (507) and each take the server a minute.
        clock.advance(60_000);
        page += 1;
        return xmlResponse(207, multistatus([okResponse(`/cal/${page}.ics`, `<d:getetag>"${page}"</d:getetag>${calendarData(`u${page}`)}`), '<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>'], `<d:sync-token>t${page}</d:sync-token>`));
      },
      { clock, listingLimits: { deadlineMs: 300_000 } },
    );
    const err = await failure(provider.listChanges(CAL, encodeCursor({ ctag: 'old', syncToken: 't0' })));
    expect(err.code).toBe('PROVIDER_TIMEOUT');
    expect(page).toBeLessThanOrEqual(6);
  });
});
