import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { CALDAV, DAV } from '../../src/providers/caldav/names.js';
import { child, decodeEntities, descendant, el, escapeXml, parseXml, xmlDocument, XmlReader } from '../../src/providers/caldav/xml.js';
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

/** `text` fed in pieces of `size` characters. */
function inPieces(text: string, size: number): ReturnType<typeof parseXml> {
  const reader = new XmlReader();
  for (let i = 0; i < text.length; i += size) reader.write(text.slice(i, i + size));
  return reader.close();
}

describe('XmlReader (the streaming reader under parseXml)', () => {
  it('reads attributes in either quote, with > and entities inside, normalizing white space in them', () => {
    const root = parseXml(`<a x='1 > 0' y="&quot;q&quot; &amp; &#65;" z="line\r\nbreak\tand&#9;tab"/>`);
    expect(root.attrs).toEqual({ x: '1 > 0', y: '"q" & A', z: 'line break and\ttab' });
  });

  it('skips comments, processing instructions and the declaration, and allows white space around the root', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!-- before --><a><!-- in -->x<?pi data?>y<b />z</a >\n<!-- after -->\n');
    expect(root.text).toBe('xyz');
    expect(root.children.map((c) => c.name)).toEqual(['{}b']);
  });

  it('normalizes CR LF and lone CR in text and CDATA, but keeps a CR written as a reference', () => {
    const root = parseXml('<a><b>1\r\n2\r3</b><c><![CDATA[4\r\n5]]></c><d>6&#13;\n7</d></a>');
    expect(root.children.map((c) => c.text)).toEqual(['1\n2\n3', '4\n5', '6\r\n7']);
  });

  it('resolves the xml prefix, default namespaces, their undeclaration and nested redeclaration', () => {
    const root = parseXml('<a xmlns="urn:one" xmlns:p="urn:p"><b xml:lang="en"/><c xmlns=""><p:d xmlns:p="urn:q"/></c></a>');
    expect(root.name).toBe('{urn:one}a');
    expect(root.children.map((c) => c.name)).toEqual(['{urn:one}b', '{}c']);
    expect(root.children[0]?.attrs).toEqual({ 'xml:lang': 'en' });
    expect(root.children[1]?.children[0]?.name).toBe('{urn:q}d');
  });

  it('reads the same tree whatever the chunk boundaries: inside names, attributes, entities, CDATA, comments, CR LF', () => {
    const doc =
      '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><!-- a > comment -->' +
      '<d:response><d:href>/a&amp;b%20c.ics</d:href><c:calendar-data a=\'x>y\'>BEGIN:VCALENDAR\r\nSUMMARY:Zoë &amp; Tom &lt;3 &#x1F470;\r\n' +
      'END:VCALENDAR\r\n</c:calendar-data><d:x><![CDATA[<raw> & ]]></d:x></d:response></d:multistatus>';
    const whole = parseXml(doc);
    for (const size of [1, 2, 3, 5, 8, 13]) expect(inPieces(doc, size), `pieces of ${size}`).toEqual(whole);
    expect(whole.children[0]?.children[1]?.text).toBe('BEGIN:VCALENDAR\nSUMMARY:Zoë & Tom <3 👰\nEND:VCALENDAR\n');
  });

  it('waits for an entity or a DOCTYPE split across chunks before deciding', () => {
    const reader = new XmlReader();
    reader.write('<a>x &am');
    reader.write('p; y &#12');
    reader.write('8512;</a>');
    expect(reader.close().text).toBe('x & y 😀');
    const doctype = new XmlReader();
    doctype.write('<!DOC');
    expect(() => doctype.write('TYPE a [<!ENTITY e "e">]><a/>')).toThrow(/DOCTYPE/);
    // A bare & far from any ; is text, not an entity to wait for.
    expect(inPieces(`<a>fish & chips ${'.'.repeat(40)}</a>`, 20).text).toBe(`fish & chips ${'.'.repeat(40)}`);
  });

  it.each([
    ['text before the root', 'hello <a/>'],
    ['text after the root', '<a/> hello'],
    ['two roots', '<a/><b/>'],
    ['CDATA outside the root', '<![CDATA[x]]><a/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['an attribute without a value', '<a x/>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['attributes run together', '<a x="1"y="2"/>'],
    ['< in an attribute value', '<a x="<"/>'],
    ['a bad element name', '<1a/>'],
    ['a bad attribute name', '<a 1x="1"/>'],
    ['a stray / in a tag', '<a / x="1"/>'],
    ['an unknown <! construct', '<a><!ELEMENT x></a>'],
    ['a mismatched end tag', '<a></b>'],
    ['an end tag without a start', '</a>'],
    ['a document cut inside a tag', '<a><b x="1'],
    ['a document cut inside a comment', '<a><!-- x'],
    ['a document cut inside CDATA', '<a><![CDATA[ x'],
    ['a document that is only a <', '<'],
  ])('refuses %s', (_what, doc) => {
    expect(rejected(doc).code).toBe('PROVIDER_REJECTED');
  });

  it('stays failed after an error, whatever is written next', () => {
    const reader = new XmlReader();
    expect(() => reader.write('<a></b>')).toThrow(/unexpected close tag/);
    expect(() => reader.write('<a/>')).toThrow(/unexpected close tag/);
    expect(() => reader.close()).toThrow(/unexpected close tag/);
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
