/**
 * Property test of the streaming XML reader: any tree, written with any mix of the ways XML can spell
 * the same text (entity or character references, CDATA, comments in between, either quote), reads back
 * as that tree — whole or fed in pieces of any size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXml, XmlReader, type XmlElement } from '../../src/providers/caldav/xml.js';

interface Node {
  prefix: 'd' | 'c' | '';
  local: string;
  attrs: [string, string][];
  children: (Node | string)[];
}

const NAMESPACES = { d: 'DAV:', c: 'urn:ietf:params:xml:ns:caldav', '': 'urn:default' } as const;
const TEXT_CHARS = ['a', 'Z', '0', ' ', '\n', '\t', '&', '<', '>', '"', "'", ';', ']', 'é', '’', '👰', '\r'];

const textArb = fc.array(fc.constantFrom(...TEXT_CHARS), { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
const nameArb = fc.constantFrom('response', 'href', 'prop', 'calendar-data', 'x.y', 'a_b', 'getetag');
const attrsArb = fc.uniqueArray(fc.tuple(fc.constantFrom('name', 'x', 'data-v', 'start'), textArb), { selector: ([n]) => n, maxLength: 3 });

const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    prefix: fc.constantFrom('d' as const, 'c' as const, '' as const),
    local: nameArb,
    attrs: attrsArb,
    children: fc.array(fc.oneof({ weight: 2, arbitrary: textArb }, { weight: 1, arbitrary: tie('node') }), { maxLength: 4 }),
  }),
})).node;

/** How each special character of text is written: a choice per character, drawn by the test. */
type Spelling = (c: string, i: number) => string;

function spellText(text: string, spell: Spelling): string {
  return [...text].map(spell).join('');
}

function write(node: Node, spell: Spelling, cdata: (i: number) => boolean, comment: (i: number) => boolean, root: boolean): string {
  const qname = node.prefix === '' ? node.local : `${node.prefix}:${node.local}`;
  const decls = root ? ' xmlns="urn:default" xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"' : '';
  const attrs = node.attrs.map(([n, v], i) => {
    const quote = i % 2 === 0 ? '"' : "'";
    // In attributes, white space other than a space must be a reference to survive normalization.
    const value = [...v].map((c, j) => (c === '\n' || c === '\t' || c === '\r' ? `&#${c.charCodeAt(0)};` : c === quote ? (quote === '"' ? '&quot;' : '&apos;') : spell(c, j))).join('');
    return ` ${n}=${quote}${value}${quote}`;
  });
  let n = 0;
  const inner = node.children
    .map((child) => {
      n += 1;
      const before = comment(n) ? '<!-- ; & < -->' : '';
      if (typeof child !== 'string') return before + write(child, spell, cdata, comment, false);
      // CDATA cannot hold "]]>" or a raw CR (it would be normalized).
      if (cdata(n) && !child.includes(']]>') && !child.includes('\r')) return `${before}<![CDATA[${child}]]>`;
      return before + spellText(child, spell);
    })
    .join('');
  return inner === '' && n % 2 === 0 ? `<${qname}${decls}${attrs.join('')}/>` : `<${qname}${decls}${attrs.join('')}>${inner}</${qname}>`;
}

function expected(node: Node): XmlElement {
  const children = node.children.filter((c): c is Node => typeof c !== 'string').map(expected);
  return {
    name: `{${NAMESPACES[node.prefix]}}${node.local}`,
    attrs: Object.fromEntries(node.attrs),
    children,
    text: node.children.filter((c): c is string => typeof c === 'string').join(''),
  };
}

/** Compares as plain data (the reader shares frozen empty records and lists). */
function plain(el: XmlElement): unknown {
  return { name: el.name, attrs: { ...el.attrs }, text: el.text, children: el.children.map(plain) };
}

describe('XmlReader, property', () => {
  it('reads any tree back, however it is spelled and however the bytes arrive', () => {
    fc.assert(
      fc.property(nodeArb, fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }), (tree, styles, flags, sizes) => {
        const spell: Spelling = (c, i) => {
          const style = styles[i % styles.length] ?? 0;
          if (c === '&') return ['&amp;', '&#38;', '&#x26;', '&amp;'][style] as string;
          if (c === '<') return ['&lt;', '&#60;', '&#x3C;', '&lt;'][style] as string;
          if (c === '>') return ['>', '&gt;', '&#62;', '>'][style] as string;
          if (c === '\r') return '&#13;';
          if (c === '"') return style === 1 ? '&quot;' : c;
          if (c === "'") return style === 2 ? '&apos;' : c;
          if (c === 'é' && style === 3) return '&#233;';
          return c;
        };
        const doc = `<?xml version="1.0" encoding="utf-8"?>\n${write(tree, spell, (i) => flags[i % flags.length] ?? false, (i) => !(flags[(i + 1) % flags.length] ?? true), true)}\n`;
        const want = plain(expected(tree));
        expect(plain(parseXml(doc))).toEqual(want);
        // Random chunking: piece sizes drawn by the test, cycled; the same tree whatever the cuts, and
        // the work done stays a bounded multiple of the input (no re-scan of an unfinished token).
        const reader = new XmlReader();
        for (let i = 0, k = 0; i < doc.length; k += 1) {
          const size = sizes[k % sizes.length] as number;
          reader.write(doc.slice(i, i + size));
          i += size;
        }
        expect(plain(reader.close())).toEqual(want);
        expect(reader.work).toBeLessThanOrEqual(17 * doc.length);
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts a document cut short', () => {
    fc.assert(
      fc.property(nodeArb, fc.nat(), (tree, at) => {
        const doc = write(tree, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '\r' ? '&#13;' : c), () => false, () => false, true);
        const cut = doc.slice(0, at % doc.length);
        expect(() => parseXml(cut)).toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
