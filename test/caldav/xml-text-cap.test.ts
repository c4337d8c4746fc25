/**
 * The fuzz campaign's gzip bomb (64 MiB of spaces inside `<d:multistatus>`, streamed) grew the root
 * element's text to 64 MB per case — several hundred MB of heap with a few cases side by side. An
 * element's text is capped like a token: refused once it passes `MAX_TEXT_CHARS`, as the bytes arrive.
 */
import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { MAX_TEXT_CHARS, XmlReader } from '../../src/providers/caldav/xml.js';

describe('XmlReader element text cap', () => {
  it('refuses an element whose text passes the cap while it streams in, not after', () => {
    const reader = new XmlReader();
    const chunk = ' '.repeat(1024 * 1024);
    let fed = 0;
    let error: unknown;
    try {
      reader.write('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">');
      for (let i = 0; i < 64; i++) {
        fed += chunk.length;
        reader.write(chunk);
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CalsyncError);
    expect((error as CalsyncError).details).toMatchObject({ reason: 'xml-text-too-large', limit: MAX_TEXT_CHARS });
    expect(fed).toBeLessThanOrEqual(MAX_TEXT_CHARS + chunk.length);
  });

  it('counts CDATA and entity-decoded text against the same cap', () => {
    const reader = new XmlReader();
    const cdata = `<![CDATA[${'x'.repeat(1024 * 1024)}]]>`;
    let error: unknown;
    try {
      reader.write('<a>');
      for (let i = 0; i < 64; i++) reader.write(cdata);
    } catch (err) {
      error = err;
    }
    expect((error as CalsyncError | undefined)?.details).toMatchObject({ reason: 'xml-text-too-large' });
  });

  it('still reads large text below the cap', () => {
    const reader = new XmlReader();
    const text = 'y'.repeat(2 * 1024 * 1024);
    reader.write('<a>');
    reader.write(text);
    reader.write('</a>');
    expect(reader.close().text).toHaveLength(text.length);
  });
});
