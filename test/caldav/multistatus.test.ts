import { describe, expect, it } from 'vitest';
import { foundProp, normalizeHref, parseMultistatus, parseStatusLine } from '../../src/providers/caldav/multistatus.js';
import { DAV } from '../../src/providers/caldav/names.js';
import { reportNames, componentNames, isWritable, normalizeColor } from '../../src/providers/caldav/properties.js';
import { parseXml } from '../../src/providers/caldav/xml.js';
import { multistatus, okResponse } from './fake-fetch.js';

const BASE = 'http://127.0.0.1:5232/user/cal/';

describe('parseMultistatus', () => {
  it('reads hrefs, propstats by status, response-level statuses and the sync-token', () => {
    const body = multistatus(
      [
        okResponse('/user/cal/a.ics', '<d:getetag>"1"</d:getetag>') ,
        '<d:response><d:href>/user/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>',
        '<d:response><d:href>/user/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>',
      ],
      '<d:sync-token>http://example/sync/2</d:sync-token>',
    );
    const ms = parseMultistatus(body, BASE);
    expect(ms.syncToken).toBe('http://example/sync/2');
    expect(ms.responses.map((r) => [r.href, r.status])).toEqual([
      ['/user/cal/a.ics', undefined],
      ['/user/cal/gone.ics', 404],
      ['/user/cal/', 507],
    ]);
    expect(foundProp(ms.responses[0]!, DAV.getetag)?.text).toBe('"1"');
  });

  it('ignores properties reported with a 404 propstat', () => {
    const body = multistatus([
      '<d:response><d:href>/x/</d:href><d:propstat><d:prop><d:displayname/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>',
    ]);
    expect(foundProp(parseMultistatus(body, BASE).responses[0]!, DAV.displayname)).toBeUndefined();
  });

  it('refuses a non-multistatus root and a response without href', () => {
    expect(() => parseMultistatus('<d:error xmlns:d="DAV:"/>', BASE)).toThrow(/multistatus/);
    expect(() => parseMultistatus(multistatus(['<d:response><d:status>HTTP/1.1 200 OK</d:status></d:response>']), BASE)).toThrow(/href/);
  });

  it('parses status lines', () => {
    expect(parseStatusLine('HTTP/1.1 412 Precondition Failed')).toBe(412);
    expect(parseStatusLine('HTTP/2 200')).toBe(200);
    expect(parseStatusLine('garbage')).toBe(0);
    expect(parseStatusLine(undefined)).toBe(0);
  });
});

describe('normalizeHref', () => {
  it('gives one form for absolute, relative and differently encoded hrefs', () => {
    expect(normalizeHref('http://127.0.0.1:5232/user/cal/a%40b.ics', BASE)).toBe('/user/cal/a@b.ics');
    expect(normalizeHref('/user/cal/a@b.ics', BASE)).toBe('/user/cal/a@b.ics');
    expect(normalizeHref('a%20b.ics', BASE)).toBe('/user/cal/a%20b.ics');
    expect(normalizeHref('/user/cal/a b.ics', BASE)).toBe('/user/cal/a%20b.ics');
  });

  it('undoes Xandikos encoding the scheme of an absolute href', () => {
    expect(normalizeHref('http%3A//127.0.0.1%3A15233/user/calendars/calendar/u1.ics', BASE)).toBe('/user/calendars/calendar/u1.ics');
  });

  it('keeps a malformed percent sequence rather than throwing', () => {
    expect(normalizeHref('/user/cal/100%.ics', BASE)).toBe('/user/cal/100%25.ics');
  });
});

describe('calendar properties', () => {
  it('reads supported reports in the RFC form and in Xandikos form (no report wrapper)', () => {
    const rfc = parseXml(
      '<d:supported-report-set xmlns:d="DAV:"><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report></d:supported-report-set>',
    );
    const xandikos = parseXml(
      '<d:supported-report-set xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:supported-report><c:calendar-query/></d:supported-report></d:supported-report-set>',
    );
    expect([...reportNames(rfc)]).toEqual(['{DAV:}sync-collection']);
    expect([...reportNames(xandikos)]).toEqual(['{urn:ietf:params:xml:ns:caldav}calendar-query']);
    expect(reportNames(undefined).size).toBe(0);
  });

  it('reads components, privileges and colors', () => {
    const comps = parseXml('<c:s xmlns:c="urn:ietf:params:xml:ns:caldav"><c:comp name="vevent"/><c:comp/></c:s>');
    expect(componentNames(comps)).toEqual(['VEVENT']);
    expect(componentNames(undefined)).toBeUndefined();
    expect(isWritable(parseXml('<d:p xmlns:d="DAV:"><d:privilege><d:read/></d:privilege></d:p>'))).toBe(false);
    expect(isWritable(parseXml('<d:p xmlns:d="DAV:"><d:privilege><d:write-content/></d:privilege></d:p>'))).toBe(true);
    expect(isWritable(undefined)).toBe(true);
    expect(normalizeColor('#ff2968ff')).toBe('#FF2968');
    expect(normalizeColor('#abcdef')).toBe('#ABCDEF');
    expect(normalizeColor('red')).toBe('red');
    expect(normalizeColor('  ')).toBeUndefined();
  });
});
