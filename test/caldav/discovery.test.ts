import { describe, expect, it } from 'vitest';
import { DavClient } from '../../src/providers/caldav/dav-client.js';
import { findCalendarHomes, listCalendarsIn } from '../../src/providers/caldav/discovery.js';
import { fakeFetch, multistatus, okResponse, xmlResponse, type Handler } from './fake-fetch.js';

function clientFor(handler: Handler, trustedUrl = 'https://dav.example.com/') {
  const fake = fakeFetch(handler);
  const client = new DavClient({ trustedUrl, username: 'u', password: 'p', fetch: fake.fetch, lookup: async () => ['93.184.216.34'], resilience: { maxAttempts: 1 } });
  return { client, calls: fake.calls };
}

const principalAnswer = (href: string) => xmlResponse(207, multistatus([okResponse('/', `<d:current-user-principal><d:href>${href}</d:href></d:current-user-principal>`)]));
const homeAnswer = (self: string, href: string) => xmlResponse(207, multistatus([okResponse(self, `<c:calendar-home-set><d:href>${href}</d:href></c:calendar-home-set>`)]));

describe('findCalendarHomes', () => {
  it('starts at the well-known URL for a bare host and follows its redirect (Radicale: 301 → /)', async () => {
    const { client, calls } = clientFor((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/.well-known/caldav') return new Response(null, { status: 301, headers: { location: '/' } });
      if (path === '/') return principalAnswer('/ann/');
      if (path === '/ann/') return homeAnswer('/ann/', '/ann/calendars/');
      return new Response(null, { status: 404 });
    });
    expect(await findCalendarHomes(client, 'https://dav.example.com')).toEqual(['https://dav.example.com/ann/calendars/']);
    expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual(['PROPFIND /.well-known/caldav', 'PROPFIND /', 'PROPFIND /ann/']);
    expect(calls.every((c) => c.headers['depth'] === '0')).toBe(true);
  });

  it('uses a URL with a path first, and takes a home set answered right there', async () => {
    const { client, calls } = clientFor(() => homeAnswer('/dav/principals/ann/', '/dav/calendars/ann/'));
    expect(await findCalendarHomes(client, 'https://dav.example.com/dav/principals/ann/')).toEqual(['https://dav.example.com/dav/calendars/ann/']);
    expect(calls).toHaveLength(1);
  });

  it('falls back to the other candidate when the first is missing, and fails clearly when none works', async () => {
    const fallback = clientFor((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/.well-known/caldav') return principalAnswer('/p/');
      if (path === '/p/') return homeAnswer('/p/', '/home/');
      return new Response(null, { status: 404 });
    });
    expect(await findCalendarHomes(fallback.client, 'https://dav.example.com/wrong/path/')).toEqual(['https://dav.example.com/home/']);

    const nothing = clientFor((req) =>
      new URL(req.url).pathname === '/' ? xmlResponse(207, multistatus([okResponse('/', '<d:resourcetype/>')])) : new Response(null, { status: 405 }),
    );
    await expect(findCalendarHomes(nothing.client, 'https://dav.example.com/')).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });

    const noHome = clientFor((req) => (new URL(req.url).pathname === '/p/' ? xmlResponse(207, multistatus([okResponse('/p/', '<d:displayname>x</d:displayname>')])) : principalAnswer('/p/')));
    await expect(findCalendarHomes(noHome.client, 'https://dav.example.com/')).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });
  });

  it('stops at once on bad credentials instead of trying other URLs', async () => {
    const { client, calls } = clientFor(() => new Response('no', { status: 401 }));
    await expect(findCalendarHomes(client, 'https://dav.example.com/')).rejects.toMatchObject({ code: 'PROVIDER_AUTH' });
    expect(calls).toHaveLength(1);
  });
});

describe('listCalendarsIn', () => {
  it('lists calendar collections only, with names, colors, components, change markers and reports', async () => {
    const { client } = clientFor((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/home/') {
        return xmlResponse(
          207,
          multistatus([
            okResponse('/home/', '<d:resourcetype><d:collection/></d:resourcetype>'),
            okResponse(
              '/home/wed%20dings/',
              '<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><cs:getctag>"c1"</cs:getctag><d:sync-token>s1</d:sync-token>' +
                '<ical:calendar-color>#00AA00</ical:calendar-color><d:supported-report-set><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report></d:supported-report-set>',
            ),
            okResponse('/home/ro/', '<d:resourcetype><c:calendar/></d:resourcetype><d:displayname>Shared</d:displayname><d:current-user-privilege-set><d:privilege><d:read/></d:privilege></d:current-user-privilege-set>'),
          ]),
        );
      }
      return homeAnswer('/', '/home/');
    });
    const [home] = await findCalendarHomes(client, 'https://dav.example.com/');
    const calendars = await listCalendarsIn(client, home ?? '');
    expect(calendars.map((c) => ({ ...c, reports: [...c.reports] }))).toEqual([
      { url: 'https://dav.example.com/home/wed%20dings/', name: 'wed dings', color: '#00AA00', components: undefined, writable: true, ctag: '"c1"', syncToken: 's1', reports: ['{DAV:}sync-collection'] },
      { url: 'https://dav.example.com/home/ro/', name: 'Shared', color: undefined, components: undefined, writable: false, ctag: undefined, syncToken: undefined, reports: [] },
    ]);
  });
});
