/**
 * Event body ⇄ model description. Outlook bodies are usually HTML; the model holds plain text. The HTML
 * is kept (under `extra.provider.graph.bodyHtml`) and written back untouched while the text derived
 * from it is unchanged, so a sync never flattens a formatted invitation.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * Plain text of an HTML body, read as a browser would: whitespace in the source (the CRLFs Exchange puts
 * after every `<br>`) is one space, `<br>` and block ends are newlines, tags are dropped, blank runs
 * trimmed; entities are decoded last, so `&nbsp;` indentation an author wrote survives. Outlook returns
 * a body written as text as such HTML, so this must give that text back (issue 15).
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#') && lower !== '#39') return String.fromCodePoint(Number(lower.slice(1)));
      return ENTITIES[lower] ?? whole;
    });
}

export interface BodyParts {
  description?: string;
  /** The HTML source when the body was HTML. */
  html?: string;
}

/** Markup that carries no formatting: the document frame and line structure Exchange wraps text in. */
const PLAIN_TAG = /^<\/?(html|body|br|p|div(\s+class="?PlainText"?)?)\s*\/?>$/i;

/**
 * Whether an HTML body is only text in Exchange's frame (`<div class="PlainText">…<br>…`): what Outlook
 * returns for a body written as text, ours included. Its text says everything; keeping the HTML would
 * only make a plain description differ from its iCalendar twin.
 */
export function isPlainHtml(html: string): boolean {
  const tags = html.replace(/<head\b[\s\S]*?<\/head>/gi, '').match(/<[^>]*>/g) ?? [];
  return tags.every((t) => PLAIN_TAG.test(t));
}

export function bodyFromGraph(body: { contentType?: string | null; content?: string | null } | null | undefined): BodyParts {
  const content = body?.content ?? '';
  if (content.trim() === '') return {};
  if (body?.contentType === 'html') {
    const text = htmlToText(content);
    if (isPlainHtml(content)) return text === '' ? {} : { description: text };
    return text === '' ? { html: content } : { description: text, html: content };
  }
  return { description: content };
}

/** The body to write: the kept HTML while its text still equals the description, else plain text. */
export function bodyToGraph(description: string | undefined, keptHtml: string | undefined): { contentType: 'text' | 'html'; content: string } {
  if (keptHtml !== undefined && htmlToText(keptHtml) === (description ?? '')) return { contentType: 'html', content: keptHtml };
  return { contentType: 'text', content: description ?? '' };
}
