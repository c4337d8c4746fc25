/**
 * The streaming multistatus reader: responses handed over as they arrive, whatever the chunk
 * boundaries; a listing that is cut off, malformed or unsafe is a typed error, never a shorter listing.
 */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { foundProp, MultistatusReader, parseMultistatus, readMultistatus, type DavResponse } from '../../src/providers/caldav/multistatus.js';
import { CALDAV, DAV } from '../../src/providers/caldav/names.js';
import { parseXml, XmlReader } from '../../src/providers/caldav/xml.js';
import { multistatus, okResponse } from './fake-fetch.js';

const BASE = 'http://127.0.0.1:5232/user/cal/';

const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Tom &amp; Zoë’s 👰 day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

function body(): string {
  return multistatus(
    [
      okResponse('/user/cal/a.ics', `<d:getetag>"a1"</d:getetag><c:calendar-data>${ICS}</c:calendar-data>`),
      okResponse('/user/cal/b%20c.ics', '<d:getetag>"b1"</d:getetag><c:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n]]></c:calendar-data>'),
      // No calendar-data: the caller fetches it (multiget).
      okResponse('/user/cal/nodata.ics', '<d:getetag>"n1"</d:getetag>'),
      '<d:response><d:href>/user/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>',
      '<d:response><d:href>/user/cal</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>',
    ],
    '<d:sync-token>http://example/sync/7</d:sync-token>',
  );
}

/** `text` split every `size` characters. */
function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function* stream(chunks: readonly string[]): AsyncGenerator<string> {
  for (const chunk of chunks) yield chunk;
}

function summary(r: DavResponse): [string, number | undefined, string | undefined, string | undefined] {
  return [r.href, r.status, foundProp(r, DAV.getetag)?.text, foundProp(r, CALDAV.calendarData)?.text];
}

async function rejectionOf(promise: Promise<unknown>): Promise<CalsyncError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CalsyncError) return err;
    throw err;
  }
  throw new Error('resolved');
}

describe('readMultistatus', () => {
  it('reads the same responses whatever the chunk boundaries (inside tags, entities, CDATA, surrogate pairs)', async () => {
    const whole = parseMultistatus(body(), BASE);
    expect(whole.responses.map(summary)).toEqual([
      ['/user/cal/a.ics', undefined, '"a1"', ICS.replace(/\r\n/g, '\n').replace('&amp;', '&')],
      ['/user/cal/b%20c.ics', undefined, '"b1"', 'BEGIN:VCALENDAR\nEND:VCALENDAR\n'],
      ['/user/cal/nodata.ics', undefined, '"n1"', undefined],
      ['/user/cal/gone.ics', 404, undefined, undefined],
      ['/user/cal', 507, undefined, undefined],
    ]);
    expect(whole.syncToken).toBe('http://example/sync/7');
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const got: DavResponse[] = [];
      const { syncToken } = await readMultistatus(stream(chunked(body(), size)), BASE, (r) => got.push(r));
      expect(got.map(summary), `chunks of ${size}`).toEqual(whole.responses.map(summary));
      expect(syncToken).toBe('http://example/sync/7');
    }
  });

  it('hands over each response as soon as it closes, before the document ends', () => {
    const seen: string[] = [];
    const reader = new MultistatusReader(BASE, (r) => seen.push(r.href));
    const [head, tail] = body().split('<d:response><d:href>/user/cal/nodata.ics');
    reader.write(head ?? '');
    expect(seen).toEqual(['/user/cal/a.ics', '/user/cal/b%20c.ics']);
    reader.write(`<d:response><d:href>/user/cal/nodata.ics${tail ?? ''}`);
    expect(reader.close().syncToken).toBe('http://example/sync/7');
    expect(seen).toHaveLength(5);
  });

  it('keeps no response in the tree it builds (a large listing is never held whole)', () => {
    const reader = new XmlReader({
      onElement: (element, depth) => depth !== 1 || element.name !== DAV.response.clark,
    });
    reader.write(body());
    const root = reader.close();
    expect(root.children.map((c) => c.name)).toEqual([DAV.syncToken.clark]);
  });

  it('refuses a body cut off anywhere: a truncated listing never passes for a shorter one', async () => {
    const text = body();
    for (const cut of [0, 10, text.indexOf('nodata'), text.indexOf('</d:multistatus>'), text.length - 1]) {
      const got: DavResponse[] = [];
      const error = await rejectionOf(readMultistatus(stream([text.slice(0, cut)]), BASE, (r) => got.push(r)));
      expect(error.code, `cut at ${cut}`).toBe('PROVIDER_REJECTED');
    }
  });

  it('refuses malformed XML with a typed error, and stays failed', () => {
    const reader = new MultistatusReader(BASE, () => undefined);
    expect(() => reader.write('<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href></d:multistatus>')).toThrow(/invalid XML/);
    expect(() => reader.write('</d:multistatus>')).toThrow(/invalid XML/);
    expect(() => reader.close()).toThrow(/invalid XML/);
    expect(() => parseMultistatus('<d:multistatus xmlns:d="DAV:"><d:response a="1" a="2"/></d:multistatus>', BASE)).toThrow(/invalid XML/);
    expect(() => parseMultistatus('<d:multistatus xmlns:d="DAV:"/><d:multistatus xmlns:d="DAV:"/>', BASE)).toThrow(/invalid XML/);
  });

  it('refuses a DOCTYPE (entity declarations) before expanding anything, even split across chunks', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE d:multistatus [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
      '<d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol2;</d:href></d:response></d:multistatus>';
    const got: DavResponse[] = [];
    const error = await rejectionOf(readMultistatus(stream(chunked(laughs, 5)), BASE, (r) => got.push(r)));
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.message).toMatch(/DOCTYPE/);
    expect(got).toEqual([]);
    // An undeclared entity is left as written, never resolved.
    expect(parseXml('<a>&lol2;&amp;</a>').text).toBe('&lol2;&');
  });

  it('refuses a root that is not DAV:multistatus as soon as it opens, and a response without href', () => {
    const reader = new MultistatusReader(BASE, () => undefined);
    expect(() => reader.write('<d:error xmlns:d="DAV:">')).toThrow(/expected DAV:multistatus/);
    expect(() => parseMultistatus(multistatus(['<d:response><d:href> </d:href></d:response>']), BASE)).toThrow(/without href/);
  });

  it('resolves names by namespace, not prefix, and tolerates an undeclared prefix as no namespace', () => {
    const ms = parseMultistatus(
      '<multistatus xmlns="DAV:"><response><href>/user/cal/x.ics</href><propstat><prop><getetag>"x"</getetag><x:color>red</x:color></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>',
      BASE,
    );
    const [response] = ms.responses;
    expect(foundProp(response!, DAV.getetag)?.text).toBe('"x"');
    expect(response?.propstats[0]?.prop?.children.map((c) => c.name)).toEqual(['{DAV:}getetag', '{}color']);
  });
});
