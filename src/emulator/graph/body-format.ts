/**
 * How Outlook hands out event bodies: GET returns `body` as HTML ("in only HTML format", event-get.md)
 * unless `Prefer: outlook.body-content-type="text"` asks for text. A body written as text comes back as
 * Exchange's conversion of it — a whole HTML document, lines joined with `<br>` and CRLF, runs of
 * spaces kept with `&nbsp;` — so a client that wrote text must read its own write back through HTML.
 */

export type BodyType = 'html' | 'text';

export interface StoredBody {
  contentType: BodyType;
  content: string;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Exchange's text → HTML conversion (the shape live Graph returns for a body written as text). */
export function textToHtml(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((line) => escape(line).replace(/ {2}/g, ' &nbsp;').replace(/^ /, '&nbsp;'));
  return (
    '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n<meta content="text/plain; charset=utf-8">\r\n</head>\r\n' +
    `<body>\r\n<div>\r\n<div class="PlainText">${lines.join('<br>\r\n')}</div>\r\n</div>\r\n</body>\r\n</html>\r\n`
  );
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * HTML → text as Outlook does for `Prefer: outlook.body-content-type="text"`: markup dropped, breaks kept.
 * Written apart from the connector's reader on purpose: one shared function would hide its own bugs.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(head|style|script)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    // Entities last: an escaped `&nbsp;` is a space the author meant, never trimmed.
    .replace(/&(#\d+|[a-z]+);/gi, (whole, name: string) => (name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (ENTITIES[name.toLowerCase()] ?? whole)));
}

/** The body as a reader asked for it: HTML by default, text only on request. */
export function renderBody(stored: StoredBody, wanted: BodyType | 'stored'): StoredBody {
  if (wanted === 'stored' || stored.contentType === wanted) return stored;
  if (wanted === 'html') return { contentType: 'html', content: stored.content === '' ? '' : textToHtml(stored.content) };
  return { contentType: 'text', content: htmlToText(stored.content) };
}

/** `outlook.body-content-type="text"|"html"` from a Prefer header. */
export function preferredBodyType(prefer: string | undefined): BodyType | undefined {
  const m = prefer ? /outlook\.body-content-type\s*=\s*"?(text|html)"?/i.exec(prefer) : null;
  return m?.[1] ? (m[1].toLowerCase() as BodyType) : undefined;
}
