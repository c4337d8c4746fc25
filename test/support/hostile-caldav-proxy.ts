/**
 * A hostile-but-valid CalDAV server for tests: a loopback proxy in front of a real server (Radicale)
 * that passes every request through, but serves chosen resources with broken iCalendar inside a good
 * multistatus (calendar-query, calendar-multiget, sync-collection) and in GET answers — text without
 * END:VCALENDAR, garbage, absurdly nested components, an invalid DTSTART, no UID. The real server still
 * holds the good data, so writes and preconditions behave as they would on a server that stores what
 * it was given and serves something else: the client sees only the broken copy.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileProxy {
  url: string;
  /** Serve `body` as the calendar-data of the resource at `path` (an absolute path or URL). */
  corrupt(path: string, body: string): void;
  /** Serve the real data again. */
  heal(path: string): void;
  close(): Promise<void>;
}

/** Broken iCalendar texts, each a different way of being unreadable. */
export function hostileBodies(uid: string): Record<string, string> {
  const head = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\n';
  const event = (lines: string): string => `${head}BEGIN:VEVENT\r\n${lines}END:VEVENT\r\nEND:VCALENDAR\r\n`;
  return {
    truncated: `${head}BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260301T100000Z\r\nSUMMARY:cut off\r\nEND:VEVENT\r\n`,
    garbage: '\u0000\u0001 this is not iCalendar at all <html>',
    nested: event(`UID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260301T100000Z\r\n${'BEGIN:VALARM\r\n'.repeat(10_000)}${'END:VALARM\r\n'.repeat(10_000)}`),
    badStart: event(`UID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:not-a-date\r\nSUMMARY:bad start\r\n`),
    noUid: event('DTSTAMP:20260101T000000Z\r\nDTSTART:20260301T100000Z\r\nSUMMARY:no uid\r\n'),
  };
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function pathOf(href: string): string {
  const path = href.startsWith('http') ? new URL(href).pathname : href;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const RESPONSE = /<((?:[\w-]+:)?)response\b[^>]*>([\s\S]*?)<\/\1response>/g;
const HREF = /<((?:[\w-]+:)?)href\b[^>]*>([\s\S]*?)<\/\1href>/;
const CALENDAR_DATA = /<((?:[\w-]+:)?)calendar-data\b([^>]*)>[\s\S]*?<\/\1calendar-data>/;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHostileProxy(upstream: string): Promise<HostileProxy> {
  const broken = new Map<string, string>();
  const rewrite = (xml: string): string =>
    xml.replace(RESPONSE, (whole, _p: string, inner: string) => {
      const href = HREF.exec(inner)?.[2];
      const body = href === undefined ? undefined : broken.get(pathOf(href.trim()));
      if (body === undefined) return whole;
      return whole.replace(CALENDAR_DATA, (_m, prefix: string, attrs: string) => `<${prefix}calendar-data${attrs}>${xmlEscape(body)}</${prefix}calendar-data>`);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'content-length', 'connection', 'accept-encoding'].includes(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = req.method ?? 'GET';
    const answer = await fetch(new URL(req.url ?? '/', upstream), { method, headers, ...(body.length > 0 ? { body: new Uint8Array(body) } : {}) });
    let text = await answer.text();
    const path = pathOf(req.url ?? '/');
    if (answer.status === 207) text = rewrite(text);
    else if (method === 'GET' && answer.status === 200 && broken.has(path)) text = broken.get(path) ?? text;
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'].includes(name)) out[name] = value;
    });
    res.writeHead(answer.status, out);
    res.end(method === 'HEAD' ? undefined : text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    corrupt: (path, body) => void broken.set(pathOf(path), body),
    heal: (path) => void broken.delete(pathOf(path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
