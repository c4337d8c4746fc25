/**
 * Safe XML for WebDAV: a small streaming, namespace-resolving XML reader — fed a whole document
 * (`parseXml`) or chunk by chunk as a response arrives (`XmlReader`) — and a tiny writer.
 *
 * Safety: a document with a DOCTYPE is refused as soon as it appears, so a "billion laughs" body or an
 * external entity can neither expand nor reach the file system; there is no DTD processing at all.
 * Only the five predefined entities and numeric character references are decoded; any other entity
 * reference is left as written. Nesting is bounded. Anything not well-formed — a truncated document
 * above all — is PROVIDER_REJECTED: a cut-off multistatus must never pass for a shorter listing.
 *
 * Linear in its input, however the bytes arrive: a token that has not all arrived (a start tag, an end
 * tag, a comment, a PI, a CDATA section) is kept as a list of pieces, and each new chunk is scanned once
 * for what ends it — never the token again from its start — and its attributes are parsed once, when
 * it is complete. `work` counts the characters scanned (tests bound it by a multiple of the input).
 * Caps, each refused with PROVIDER_REJECTED and `details.reason`: a markup token (tag, comment, PI)
 * over `MAX_MARKUP_CHARS`, a CDATA section over `MAX_CDATA_CHARS`, more than `MAX_ATTRIBUTES`
 * attributes on one element, nesting deeper than `MAX_DEPTH`, more than `MAX_TEXT_CHARS` of text in one
 * element.
 *
 * Why not a general-purpose parser: a 10,000-event listing is ~14 MB, nearly all of it the text of
 * `calendar-data`. Character-by-character SAX parsers (saxes: ~70–100 ms for that body) spend their
 * time in that text; here text runs are found with `indexOf` and sliced whole (~20 ms). WebDAV bodies
 * need elements, attributes, namespaces, text, CDATA and the entities above; comments and processing
 * instructions are skipped; everything else is refused.
 */
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

const NO_ATTRS = Object.freeze({}) as Record<string, string>;
const NO_CHILDREN = Object.freeze([]) as unknown as XmlElement[];

/** Deepest element nesting accepted (the root is depth 0). */
export const MAX_DEPTH = 64;
/** Longest tag, comment or processing instruction (WebDAV tags are short; 256 Ki characters is generous). */
export const MAX_MARKUP_CHARS = 256 * 1024;
/** Longest CDATA section (some servers wrap `calendar-data` in one; the iCalendar text has its own cap). */
export const MAX_CDATA_CHARS = 32 * 1024 * 1024;
/**
 * Most text (character data and CDATA, after decoding) one element may hold: the largest
 * `calendar-data` of one resource is far below it; 64 MiB of whitespace inside the root (a gzip bomb)
 * is refused as it streams in rather than held.
 */
export const MAX_TEXT_CHARS = 16 * 1024 * 1024;
/** Most attributes on one element (namespace declarations included). */
export const MAX_ATTRIBUTES = 128;
/** An incomplete token shorter than this is simply prepended to the next chunk (bounded cost). */
const SHORT_TAIL = 16;
/** The longest entity reference held back at the end of a chunk, waiting for its `;`. */
const MAX_ENTITY = 32;

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

export interface XmlReaderHooks {
  /** The root element was opened (name and attributes known, nothing inside yet): throw to refuse it. */
  onRoot?(root: XmlElement): void;
  /**
   * An element just closed, with everything inside it. Return false to leave it out of its parent — a
   * streaming reader handles each `DAV:response` this way so the document is never all in memory.
   */
  onElement?(element: XmlElement, depth: number): boolean;
}

function rejected(message: string, cause?: unknown): CalsyncError {
  return new CalsyncError('PROVIDER_REJECTED', message, cause === undefined ? {} : { cause });
}

type CapReason = 'xml-token-too-large' | 'xml-too-many-attributes' | 'xml-too-deep' | 'xml-text-too-large';

function overCap(reason: CapReason, message: string, limit: number): CalsyncError {
  return new CalsyncError('PROVIDER_REJECTED', message, { details: { reason, limit } });
}

function tokenTooLarge(limit: number): CalsyncError {
  return overCap('xml-token-too-large', `XML token longer than ${limit} characters refused`, limit);
}

/** Appends character data to an element, within `MAX_TEXT_CHARS`. */
function addText(element: XmlElement, text: string): void {
  if (element.text.length + text.length > MAX_TEXT_CHARS) throw overCap('xml-text-too-large', `XML element text longer than ${MAX_TEXT_CHARS} characters refused`, MAX_TEXT_CHARS);
  element.text += text;
}

function tooManyAttributes(): CalsyncError {
  return overCap('xml-too-many-attributes', `XML element with more than ${MAX_ATTRIBUTES} attributes refused`, MAX_ATTRIBUTES);
}

/** Outside a quoted value: what a start-tag scan stops at. */
const TAG_STOP = /["'>=]/g;

/**
 * A token that has not all arrived, kept as pieces. `feed` scans only the new chunk (plus the few
 * characters a terminator may span) and answers where in that chunk the token ends, or -1.
 */
class PendingToken {
  private readonly pieces: string[];
  private length: number;
  /** Terminator-ended tokens: the last characters seen, which a terminator may continue. */
  private tail = '';
  /** Start tags: the quote of the value being read ('' outside one) and the attributes seen. */
  private quote = '';
  private attributes = 0;
  scanned = 0;

  private constructor(
    first: string,
    /** '' for a start tag (ended by an unquoted `>`), else the terminator. */
    private readonly terminator: string,
    private readonly limit: number,
  ) {
    this.pieces = [first];
    this.length = first.length;
  }

  /** The pending token for `rest` (at least SHORT_TAIL characters, starting with `<`, known incomplete). */
  static start(rest: string): PendingToken {
    const opened = (prefix: string, terminator: string, limit: number): PendingToken => {
      const token = new PendingToken(rest, terminator, limit);
      token.tail = rest.slice(Math.max(prefix.length, rest.length - (terminator.length - 1)));
      token.scanned = rest.length;
      token.checkLength();
      return token;
    };
    if (rest.startsWith('</')) return opened('</', '>', MAX_MARKUP_CHARS);
    if (rest.startsWith('<?')) return opened('<?', '?>', MAX_MARKUP_CHARS);
    if (rest.startsWith('<!--')) return opened('<!--', '-->', MAX_MARKUP_CHARS);
    if (rest.startsWith('<![CDATA[')) return opened('<![CDATA[', ']]>', MAX_CDATA_CHARS);
    if (rest.startsWith('<!')) throw rejected('invalid XML: unexpected <!');
    const token = new PendingToken(rest, '', MAX_MARKUP_CHARS);
    token.checkLength();
    if (token.scanTag(rest, 1) >= 0) throw rejected('invalid XML: malformed start tag');
    return token;
  }

  private checkLength(): void {
    if (this.length > this.limit) throw tokenTooLarge(this.limit);
  }

  /** Start tags: the index after the unquoted `>` in `s` from `from`, or -1; counts attributes (`=`) on the way. */
  private scanTag(s: string, from: number): number {
    let j = from;
    while (j < s.length) {
      if (this.quote !== '') {
        const close = s.indexOf(this.quote, j);
        if (close < 0) break;
        this.quote = '';
        j = close + 1;
        continue;
      }
      TAG_STOP.lastIndex = j;
      const stop = TAG_STOP.exec(s);
      if (!stop) break;
      const c = stop[0];
      if (c === '>') return stop.index + 1;
      if (c === '=') {
        this.attributes += 1;
        if (this.attributes > MAX_ATTRIBUTES) throw tooManyAttributes();
      } else this.quote = c;
      j = stop.index + 1;
    }
    return -1;
  }

  /** Where in `chunk` the token ends (the index after it), or -1 when it goes on (the chunk is kept). */
  feed(chunk: string): number {
    let end: number;
    if (this.terminator === '') {
      end = this.scanTag(chunk, 0);
    } else {
      const window = this.tail + chunk;
      const at = window.indexOf(this.terminator);
      end = at < 0 ? -1 : at + this.terminator.length - this.tail.length;
      if (at < 0) this.tail = window.slice(Math.max(0, window.length - (this.terminator.length - 1)));
    }
    this.scanned += end < 0 ? chunk.length : end;
    if (end < 0) {
      this.pieces.push(chunk);
      this.length += chunk.length;
      this.checkLength();
      return -1;
    }
    this.length += end;
    this.checkLength();
    return end;
  }

  /** The whole token, once `feed` found its end in `chunk`. */
  text(chunk: string, end: number): string {
    this.pieces.push(chunk.slice(0, end));
    return this.pieces.join('');
  }
}

const LT = 0x3c;
const CR = 0x0d;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** XML names, simplified: a letter, `_`, `:` or any non-ASCII character first, then also digits, `-`, `.`. */
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][\w:.\-\u00B7\u00C0-\uFFFF]*$/;
const NAME_END = /[\s/>=]/g;
const NOT_SPACE = /[^ \t\r\n]/;

/** Text as XML reads it: line ends normalized (XML 1.0 §2.11), then references decoded. */
function textOf(raw: string): string {
  const lines = raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n');
  return lines.indexOf('&') < 0 ? lines : decodeEntities(lines);
}

/** An attribute value as XML reads it (§3.3.3): white space becomes spaces, then references are decoded. */
function attributeOf(raw: string): string {
  const spaced = /[\r\n\t]/.test(raw) ? raw.replace(/\r\n|[\r\n\t]/g, ' ') : raw;
  return spaced.indexOf('&') < 0 ? spaced : decodeEntities(spaced);
}

/** What `markup` answers for a token that has not all arrived: wait for more, or fail at the end. */
function NEED_MORE(): number {
  return -1;
}
function INCOMPLETE_AT_END(): number {
  throw rejected('invalid XML: the document ends inside a tag');
}

interface Open {
  element: XmlElement;
  /** The tag as written, which the end tag must repeat. */
  qname: string;
  /** Prefix → namespace in scope ('' is the default namespace). */
  scope: Map<string, string>;
}

/** A start tag read whole: `end` is the index after its `>`. */
interface StartTag {
  qname: string;
  attrs: [string, string][];
  selfClosing: boolean;
  end: number;
}

/**
 * A streaming XML reader: `write` chunks of text as they arrive, then `close`, which returns the root
 * (without the elements `onElement` dropped). Throws PROVIDER_REJECTED on unsafe or malformed XML, and
 * keeps throwing it once it has.
 */
export class XmlReader {
  /** Input not consumed yet and shorter than SHORT_TAIL: prepended to the next chunk. */
  private buffer = '';
  /** A longer token that has not all arrived. */
  private pending: PendingToken | undefined;
  /** Characters scanned so far (every scan counted): linear in the input, whatever the chunking. */
  work = 0;
  private readonly stack: Open[] = [];
  private root: XmlElement | undefined;
  private failed: CalsyncError | undefined;

  constructor(private readonly hooks: XmlReaderHooks = {}) {}

  write(chunk: string): void {
    this.run(chunk, false);
  }

  /** Ends the document: the root, or PROVIDER_REJECTED when it is incomplete or empty. */
  close(): XmlElement {
    this.run('', true);
    if (!this.root) throw this.fail('XML without a root element');
    if (this.stack.length > 0) throw this.fail(`invalid XML: unclosed tag ${this.stack[this.stack.length - 1]?.qname ?? ''}`);
    return this.root;
  }

  private fail(message: string, cause?: unknown): CalsyncError {
    this.failed ??= cause instanceof CalsyncError ? cause : rejected(message, cause);
    return this.failed;
  }

  private run(chunk: string, final: boolean): void {
    if (this.failed) throw this.failed;
    try {
      let input = chunk;
      if (this.pending) {
        const pending = this.pending;
        const end = pending.feed(chunk);
        this.work += pending.scanned;
        pending.scanned = 0;
        if (end < 0) {
          if (final) throw rejected('invalid XML: the document ends inside a tag');
          return;
        }
        this.pending = undefined;
        const token = pending.text(chunk, end);
        // The token is complete: read once, whole (its attributes parsed once).
        if (this.consume(token, false) !== token.length) throw rejected('invalid XML: malformed tag');
        input = chunk.slice(end);
      }
      if (this.buffer !== '') input = this.buffer + input;
      const rest = input.slice(this.consume(input, final));
      this.buffer = '';
      if (rest.length < SHORT_TAIL || rest.charCodeAt(0) !== LT) this.buffer = rest;
      else {
        this.pending = PendingToken.start(rest);
        this.work += this.pending.scanned;
        this.pending.scanned = 0;
      }
    } catch (err) {
      throw this.fail(err instanceof Error ? err.message : String(err), err);
    }
  }

  /** Reads every complete token of `s`; returns where the first incomplete one starts. */
  private consume(s: string, final: boolean): number {
    let i = 0;
    while (i < s.length) {
      if (s.charCodeAt(i) !== LT) {
        const lt = s.indexOf('<', i);
        let stop = lt < 0 ? s.length : lt;
        if (lt < 0 && !final) {
          // Hold back what the next chunk may complete: an entity reference, or a CR before its LF.
          const amp = s.lastIndexOf('&', stop - 1);
          if (amp >= i && stop - amp <= MAX_ENTITY && s.indexOf(';', amp) < 0) stop = amp;
          if (stop > i && s.charCodeAt(stop - 1) === CR) stop -= 1;
        }
        if (stop > i) this.text(s.slice(i, stop));
        this.work += (lt < 0 ? s.length : lt) - i;
        i = stop;
        if (lt < 0) break;
        continue;
      }
      const next = this.markup(s, i, final);
      this.work += (next < 0 ? s.length : next) - i;
      if (next < 0) break;
      i = next;
    }
    if (final && i < s.length) throw rejected('invalid XML: the document ends inside a tag');
    return i;
  }

  /** The token at `s[i] === '<'`: the index after it, or -1 when it is not complete yet. */
  private markup(s: string, i: number, final: boolean): number {
    // (No closures in here: it runs for every tag of a listing.)
    const incomplete = final ? INCOMPLETE_AT_END : NEED_MORE;
    if (i + 1 >= s.length) return incomplete();
    const c = s[i + 1];
    if (c === '/') {
      const gt = s.indexOf('>', i + 2);
      if (gt < 0) return incomplete();
      if (gt - i > MAX_MARKUP_CHARS) throw tokenTooLarge(MAX_MARKUP_CHARS);
      this.end(s.slice(i + 2, gt).trimEnd());
      return gt + 1;
    }
    if (c === '?') {
      const close = s.indexOf('?>', i + 2);
      if (close < 0) return incomplete();
      if (close - i > MAX_MARKUP_CHARS) throw tokenTooLarge(MAX_MARKUP_CHARS);
      return close + 2;
    }
    if (c === '!') {
      if (s.startsWith('<!--', i)) {
        const close = s.indexOf('-->', i + 4);
        if (close < 0) return incomplete();
        if (close - i > MAX_MARKUP_CHARS) throw tokenTooLarge(MAX_MARKUP_CHARS);
        return close + 3;
      }
      if (s.startsWith('<![CDATA[', i)) {
        const close = s.indexOf(']]>', i + 9);
        if (close < 0) return incomplete();
        if (close - i > MAX_CDATA_CHARS) throw tokenTooLarge(MAX_CDATA_CHARS);
        const top = this.stack[this.stack.length - 1];
        if (!top) throw rejected('invalid XML: CDATA outside the root element');
        const raw = s.slice(i + 9, close);
        addText(top.element, raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n'));
        return close + 3;
      }
      const head = s.slice(i, i + 9).toUpperCase();
      if (head === '<!DOCTYPE') throw rejected('XML with a DOCTYPE is refused (entity expansion)');
      if ('<!DOCTYPE'.startsWith(head) || '<![CDATA['.startsWith(head) || '<!--'.startsWith(head)) return incomplete();
      throw rejected('invalid XML: unexpected <!');
    }
    const tag = readStartTag(s, i);
    if (!tag) return incomplete();
    if (tag.end - i > MAX_MARKUP_CHARS) throw tokenTooLarge(MAX_MARKUP_CHARS);
    this.start(tag);
    return tag.end;
  }

  private text(raw: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top) addText(top.element, textOf(raw));
    else if (NOT_SPACE.test(raw)) throw rejected('invalid XML: text outside the root element');
  }

  private start(tag: StartTag): void {
    if (this.root && this.stack.length === 0) throw rejected('invalid XML: more than one root element');
    if (this.stack.length > MAX_DEPTH) throw overCap('xml-too-deep', `XML nested too deeply (more than ${MAX_DEPTH} levels)`, MAX_DEPTH);
    const parent = this.stack[this.stack.length - 1];
    let scope = parent?.scope ?? new Map([['xml', XML_NS]]);
    // Most elements have no attributes and no children (70,000 of them in a 10,000-item listing):
    // they share one frozen empty record and list instead of allocating their own.
    let attrs = NO_ATTRS;
    for (const [name, value] of tag.attrs) {
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (scope === parent?.scope) scope = new Map(scope);
        scope.set(name === 'xmlns' ? '' : name.slice(6), value);
        continue;
      }
      if (attrs === NO_ATTRS) attrs = {};
      attrs[name] = value;
    }
    const colon = tag.qname.indexOf(':');
    const prefix = colon < 0 ? '' : tag.qname.slice(0, colon);
    // An undeclared prefix reads as no namespace, as servers that forget a declaration mean no harm.
    const ns = scope.get(prefix) ?? '';
    const element: XmlElement = { name: `{${ns}}${tag.qname.slice(colon + 1)}`, attrs, children: NO_CHILDREN, text: '' };
    if (!parent) {
      this.root = element;
      this.hooks.onRoot?.(element);
    }
    if (tag.selfClosing) this.closed(element, parent);
    else this.stack.push({ element, qname: tag.qname, scope });
  }

  private end(qname: string): void {
    const open = this.stack.pop();
    if (!open || open.qname !== qname) throw rejected(`invalid XML: unexpected close tag ${qname}`);
    this.closed(open.element, this.stack[this.stack.length - 1]);
  }

  private closed(element: XmlElement, parent: Open | undefined): void {
    const depth = parent ? this.stack.length : 0;
    const keep = this.hooks.onElement?.(element, depth) ?? true;
    if (!keep || !parent) return;
    if (parent.element.children === NO_CHILDREN) parent.element.children = [element];
    else parent.element.children.push(element);
  }
}

/** The start tag at `s[i] === '<'`, or undefined when `s` ends before it does; throws when it is malformed. */
function readStartTag(s: string, i: number): StartTag | undefined {
  NAME_END.lastIndex = i + 1;
  const nameEnd = NAME_END.exec(s);
  if (!nameEnd) return undefined;
  const qname = s.slice(i + 1, nameEnd.index);
  if (!NAME.test(qname)) throw rejected(`invalid XML: bad element name ${JSON.stringify(qname.slice(0, 40))}`);
  const attrs: [string, string][] = [];
  let j = nameEnd.index;
  for (;;) {
    const spaced = j;
    while (j < s.length && /\s/.test(s[j] as string)) j += 1;
    if (j >= s.length) return undefined;
    const c = s[j];
    if (c === '>') return { qname, attrs, selfClosing: false, end: j + 1 };
    if (c === '/') {
      if (j + 1 >= s.length) return undefined;
      if (s[j + 1] !== '>') throw rejected('invalid XML: / inside a tag');
      return { qname, attrs, selfClosing: true, end: j + 2 };
    }
    if (j === spaced) throw rejected('invalid XML: attributes must be separated by white space');
    NAME_END.lastIndex = j;
    const attrEnd = NAME_END.exec(s);
    if (!attrEnd) return undefined;
    const name = s.slice(j, attrEnd.index);
    if (!NAME.test(name)) throw rejected(`invalid XML: bad attribute name ${JSON.stringify(name.slice(0, 40))}`);
    j = attrEnd.index;
    while (j < s.length && /\s/.test(s[j] as string)) j += 1;
    if (j >= s.length) return undefined;
    if (s[j] !== '=') throw rejected(`invalid XML: attribute ${name} without a value`);
    j += 1;
    while (j < s.length && /\s/.test(s[j] as string)) j += 1;
    if (j >= s.length) return undefined;
    const quote = s[j];
    if (quote !== '"' && quote !== "'") throw rejected(`invalid XML: unquoted value of attribute ${name}`);
    const close = s.indexOf(quote, j + 1);
    if (close < 0) return undefined;
    const raw = s.slice(j + 1, close);
    if (raw.indexOf('<') >= 0) throw rejected(`invalid XML: < in the value of attribute ${name}`);
    if (attrs.length >= MAX_ATTRIBUTES) throw tooManyAttributes();
    if (attrs.some(([n]) => n === name)) throw rejected(`invalid XML: attribute ${name} repeated`);
    attrs.push([name, attributeOf(raw)]);
    j = close + 1;
  }
}

/** Parse an XML document into its root element. Throws PROVIDER_REJECTED on unsafe or invalid XML. */
export function parseXml(body: string, hooks?: XmlReaderHooks): XmlElement {
  const reader = new XmlReader(hooks);
  reader.write(body);
  return reader.close();
}

// (Plain loops: these run several times for each response of a listing.)

/** First child with this name. */
export function child(el: XmlElement | undefined, n: XmlName): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.name === n.clark) return c;
  return undefined;
}

/** All children with this name. */
export function childrenNamed(el: XmlElement | undefined, n: XmlName): XmlElement[] {
  const out: XmlElement[] = [];
  if (el) for (const c of el.children) if (c.name === n.clark) out.push(c);
  return out;
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
