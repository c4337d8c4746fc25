import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { CALDAV, DAV } from '../../src/providers/caldav/names.js';
import { child, decodeEntities, descendant, el, escapeXml, parseXml, xmlDocument } from '../../src/providers/caldav/xml.js';
import { calendarQueryBody, mkcalendarBody, multigetBody, syncCollectionBody } from '../../src/providers/caldav/dav-bodies.js';

function rejected(body: string): CalsyncError {
  try {
    parseXml(body);
  } catch (err) {
    if (err instanceof CalsyncError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseXml', () => {
  it('resolves namespaces whatever the prefixes, including default and nested declarations', () => {
    const root = parseXml(
      '<ns0:multistatus xmlns:ns0="DAV:"><response xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><href>/a/</href><C:comp name="VEVENT"/></response></ns0:multistatus>',
    );
    expect(root.name).toBe('{DAV:}multistatus');
    const response = child(root, DAV.response);
    expect(child(response, DAV.href)?.text).toBe('/a/');
    expect(descendant(root, CALDAV.comp)?.attrs).toEqual({ name: 'VEVENT' });
  });

  it('decodes predefined and numeric entities but keeps CDATA verbatim and whitespace intact', () => {
    const root = parseXml('<d:x xmlns:d="DAV:"><d:a>a &lt;b&gt; &amp; &#233;&#x1F470; &unknown;</d:a><d:b><![CDATA[A&amp;B\r\n line]]></d:b></d:x>');
    expect(root.children[0]?.text).toBe('a <b> & é👰 &unknown;');
    // XML end-of-line handling turns CRLF into LF (XML 1.0 §2.11); the iCalendar parser accepts both.
    expect(root.children[1]?.text).toBe('A&amp;B\n line');
    expect(decodeEntities('&#0;&#x110000;')).toBe('&#0;&#x110000;');
  });

  it('refuses a billion-laughs document without expanding anything', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
    const started = Date.now();
    const error = rejected(laughs);
    expect(error.code).toBe('PROVIDER_REJECTED');
    expect(error.message).toMatch(/DOCTYPE/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves an undeclared entity reference as text (nothing is expanded)', () => {
    expect(parseXml('<a>&lol3;</a>').text).toBe('&lol3;');
  });

  it('refuses truncated, unbalanced and empty documents', () => {
    expect(rejected('<d:multistatus xmlns:d="DAV:"><d:response>').code).toBe('PROVIDER_REJECTED');
    expect(rejected('<a><b></a>').code).toBe('PROVIDER_REJECTED');
    expect(rejected('').code).toBe('PROVIDER_REJECTED');
  });

  it('refuses absurd nesting', () => {
    expect(rejected(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`).message).toMatch(/deeply/);
  });
});

describe('writing XML', () => {
  it('escapes text and attributes', () => {
    expect(escapeXml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
    expect(el(CALDAV.comp, '', { name: 'A"B' })).toBe('<c:comp name="A&quot;B"/>');
  });

  it('builds documents that parse back to the same names', () => {
    const doc = xmlDocument(DAV.propfind, [el(DAV.prop, [el(DAV.getetag)])]);
    const root = parseXml(doc);
    expect(root.name).toBe(DAV.propfind.clark);
    expect(descendant(root, DAV.getetag)).toBeDefined();
  });

  it('builds a sync-collection body with the token escaped and level 1', () => {
    const root = parseXml(syncCollectionBody('http://x/?a=1&b=2', [DAV.getetag]));
    expect(child(root, DAV.syncToken)?.text).toBe('http://x/?a=1&b=2');
    expect(child(root, DAV.syncLevel)?.text).toBe('1');
  });

  it('builds a calendar-query with the VEVENT filter, a UID match and a UTC time range', () => {
    const body = calendarQueryBody([DAV.getetag], {
      uid: 'a&b',
      timeRange: { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-07-01T00:00:00Z') },
    });
    const root = parseXml(body);
    const vevent = descendant(root, CALDAV.compFilter)?.children[0];
    expect(vevent?.attrs['name']).toBe('VEVENT');
    expect(descendant(root, CALDAV.timeRange)?.attrs).toEqual({ start: '20260601T000000Z', end: '20260701T000000Z' });
    expect(descendant(root, CALDAV.textMatch)?.text).toBe('a&b');
    expect(descendant(root, CALDAV.propFilter)?.attrs['name']).toBe('UID');
  });

  it('builds multiget and mkcalendar bodies', () => {
    const multiget = parseXml(multigetBody([DAV.getetag], ['/c/a.ics', '/c/b.ics']));
    expect(multiget.children.filter((c) => c.name === DAV.href.clark).map((c) => c.text)).toEqual(['/c/a.ics', '/c/b.ics']);
    const mk = parseXml(mkcalendarBody('Weddings & more'));
    expect(descendant(mk, DAV.displayname)?.text).toBe('Weddings & more');
    expect(descendant(mk, CALDAV.comp)?.attrs['name']).toBe('VEVENT');
  });
});
