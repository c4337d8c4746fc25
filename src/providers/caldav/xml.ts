/**
 * Safe XML for WebDAV: a namespace-resolving reader on top of fast-xml-parser and a tiny writer.
 *
 * Safety: entity processing is OFF and any document with a DOCTYPE is refused before parsing, so a
 * "billion laughs" body or an external entity can neither expand nor reach the file system. Only the
 * five predefined entities and numeric character references are decoded, by hand.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CalsyncError } from '../../errors.js';
import { NS, PREFIX, type XmlName } from './names.js';

/** An element with its name resolved to Clark notation (`{namespace}local`). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (entities decoded, CDATA verbatim). */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const DOCTYPE = /<!DOCTYPE/i;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

type RawNode = Record<string, unknown>;

function resolveName(qname: string, scope: Map<string, string>): string {
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const local = colon < 0 ? qname : qname.slice(colon + 1);
  const ns = scope.get(prefix) ?? '';
  return `{${ns}}${local}`;
}

function convert(tag: string, node: RawNode, parentScope: Map<string, string>, depth: number): XmlElement {
  if (depth > 64) throw new CalsyncError('PROVIDER_REJECTED', 'XML nested too deeply');
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  let scope = parentScope;
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      scope.set(key === 'xmlns' ? '' : key.slice(6), decodeEntities(value));
    } else {
      attrs[key] = decodeEntities(value);
    }
  }
  const element: XmlElement = { name: resolveName(tag, scope), attrs, children: [], text: '' };
  for (const child of (node[tag] ?? []) as RawNode[]) {
    if ('#text' in child) element.text += decodeEntities(String(child['#text']));
    else if ('#cdata' in child) {
      for (const part of child['#cdata'] as RawNode[]) element.text += String(part['#text'] ?? '');
    } else {
      const childTag = Object.keys(child).find((k) => k !== ':@');
      if (childTag !== undefined) element.children.push(convert(childTag, child, scope, depth + 1));
    }
  }
  return element;
}

/** Parse an XML document into its root element. Throws PROVIDER_REJECTED on unsafe or invalid XML. */
export function parseXml(body: string): XmlElement {
  if (DOCTYPE.test(body)) throw new CalsyncError('PROVIDER_REJECTED', 'XML with a DOCTYPE is refused (entity expansion)');
  // The parser is lenient (it accepts unclosed tags); a truncated multistatus must never pass for a
  // shorter listing, so the document is validated first.
  const verdict = XMLValidator.validate(body);
  if (verdict !== true) throw new CalsyncError('PROVIDER_REJECTED', `invalid XML: ${verdict.err.msg}`);
  let raw: RawNode[];
  try {
    raw = parser.parse(body) as RawNode[];
  } catch (err) {
    throw new CalsyncError('PROVIDER_REJECTED', `invalid XML: ${(err as Error).message}`, { cause: err });
  }
  const rootNode = raw.find((n) => Object.keys(n).some((k) => k !== ':@' && !k.startsWith('#') && !k.startsWith('?')));
  if (!rootNode) throw new CalsyncError('PROVIDER_REJECTED', 'XML without a root element');
  const tag = Object.keys(rootNode).find((k) => k !== ':@') as string;
  return convert(tag, rootNode, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), 0);
}

/** First child with this name. */
export function child(el: XmlElement | undefined, n: XmlName): XmlElement | undefined {
  return el?.children.find((c) => c.name === n.clark);
}

/** All children with this name. */
export function childrenNamed(el: XmlElement | undefined, n: XmlName): XmlElement[] {
  return el ? el.children.filter((c) => c.name === n.clark) : [];
}

/** Depth-first search for the first descendant with this name. */
export function descendant(el: XmlElement | undefined, n: XmlName): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) {
    if (c.name === n.clark) return c;
    const deeper = descendant(c, n);
    if (deeper) return deeper;
  }
  return undefined;
}

// ---- writing ----

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function qualified(n: XmlName): string {
  const prefix = PREFIX[n.ns];
  if (prefix === undefined) throw new CalsyncError('VALIDATION', `no prefix for namespace ${n.ns}`);
  return `${prefix}:${n.local}`;
}

/** `<p:local attrs>content</p:local>`; content is already-serialized XML (use `escapeXml` for text). */
export function el(n: XmlName, content: string | readonly string[] = '', attrs: Record<string, string> = {}): string {
  const body = typeof content === 'string' ? content : content.join('');
  const attributes = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  const q = qualified(n);
  return body === '' ? `<${q}${attributes}/>` : `<${q}${attributes}>${body}</${q}>`;
}

/** A whole document: the root declares every namespace we use. */
export function xmlDocument(root: XmlName, content: readonly string[]): string {
  const declarations = Object.values(NS)
    .map((ns) => ` xmlns:${PREFIX[ns]}="${ns}"`)
    .join('');
  const q = qualified(root);
  return `<?xml version="1.0" encoding="utf-8"?>\n<${q}${declarations}>${content.join('')}</${q}>`;
}
