/**
 * Finding 3 (issue 10): the streaming XML reader re-scanned an unfinished token from its start on every
 * chunk and re-parsed its attributes each time — quadratic in the token. Work is asserted through the
 * reader's own count of characters scanned (`work`), never through time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { MAX_ATTRIBUTES, MAX_CDATA_CHARS, MAX_MARKUP_CHARS, XmlReader, parseXml, type XmlElement } from '../../src/providers/caldav/xml.js';

function feed(chunks: Iterable<string>): { reader: XmlReader; input: number; error?: CalsyncError; root?: XmlElement } {
  const reader = new XmlReader();
  let input = 0;
  try {
    for (const chunk of chunks) {
      input += chunk.length;
      reader.write(chunk);
    }
    return { reader, input, root: reader.close() };
  } catch (err) {
    if (!(err instanceof CalsyncError)) throw err;
    return { reader, input, error: err };
  }
}

function* trickledTag(attributes: number): Generator<string> {
  yield '<d:multistatus xmlns:d="DAV:"><d:response';
  for (let i = 0; i < attributes; i++) yield ` a${i}="v${i}"`;
  yield '/></d:multistatus>';
}

describe('XmlReader does work linear in its input', () => {
  it('refuses a start tag trickled one attribute per chunk (4,000 attributes) at the attribute cap, having scanned each character about once', () => {
    const { error, input, reader } = feed(trickledTag(4_000));
    expect(error?.code).toBe('PROVIDER_REJECTED');
    expect(error?.details).toMatchObject({ reason: 'xml-too-many-attributes', limit: MAX_ATTRIBUTES });
    // Refused as soon as the cap was passed: only about MAX_ATTRIBUTES attributes were read.
    expect(input).toBeLessThan(60 + (MAX_ATTRIBUTES + 2) * 12);
    expect(reader.work).toBeLessThanOrEqual(2 * input);
  });

  it('reads a trickled tag under the cap whole, scanning each character a bounded number of times', () => {
    const { root, input, reader } = feed(trickledTag(MAX_ATTRIBUTES - 1));
    expect(Object.keys(root?.children[0]?.attrs ?? {})).toHaveLength(MAX_ATTRIBUTES - 1);
    expect(reader.work).toBeLessThanOrEqual(3 * input);
  });

  it('refuses an unterminated comment at the token cap, however it is chunked', () => {
    for (const size of [1, 7, 64 * 1024]) {
      const piece = '-'.repeat(size);
      const chunks = (function* () {
        yield '<d:multistatus xmlns:d="DAV:"><!--';
        for (let sent = 0; sent < MAX_MARKUP_CHARS * 4; sent += size) yield piece;
      })();
      const { error, input, reader } = feed(chunks);
      expect(error?.details, `chunks of ${size}`).toMatchObject({ reason: 'xml-token-too-large', limit: MAX_MARKUP_CHARS });
      expect(input).toBeLessThanOrEqual(MAX_MARKUP_CHARS + 64 * 1024 + 64);
      expect(reader.work).toBeLessThanOrEqual(3 * input);
    }
  });

  it('reads a long CDATA section trickled in small chunks with linear work', () => {
    const data = 'BEGIN:VCALENDAR\r\n'.padEnd(512 * 1024, 'x');
    const doc = `<d:multistatus xmlns:d="DAV:"><d:response><![CDATA[${data}]]></d:response></d:multistatus>`;
    const chunks = (function* () {
      for (let i = 0; i < doc.length; i += 61) yield doc.slice(i, i + 61);
    })();
    const { root, input, reader } = feed(chunks);
    expect(root?.children[0]?.text).toBe(data.replace(/\r\n/g, '\n'));
    expect(reader.work).toBeLessThanOrEqual(3 * input);
    expect(MAX_CDATA_CHARS).toBeGreaterThan(data.length);
  });

  it('caps nesting depth with a typed reason', () => {
    const { error } = feed([`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`]);
    expect(error?.details).toMatchObject({ reason: 'xml-too-deep' });
  });

  it('reads the same document the same way under any chunking (random cut points)', () => {
    const doc =
      '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
      '<!-- a comment with > and -- inside? no: only "-" --><d:response a="1" b=\'x>y\' c="&amp;&#x41;"><d:href>/cal/1.ics</d:href>' +
      '<c:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nEND:VCALENDAR]]> &lt;tail&gt;</c:calendar-data><?pi data?>' +
      `<d:propstat long="${'v'.repeat(300)}"><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`;
    const want = parseXml(doc);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: doc.length - 1 }), { maxLength: 60 }), (cuts) => {
        const points = [0, ...[...cuts].sort((a, b) => a - b), doc.length];
        const { root, reader, input } = feed(points.slice(1).map((end, k) => doc.slice(points[k], end)));
        expect(root).toEqual(want);
        expect(reader.work).toBeLessThanOrEqual(17 * input);
      }),
      { numRuns: 500 },
    );
  });
});
