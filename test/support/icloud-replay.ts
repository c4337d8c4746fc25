/**
 * A small iCloud stand-in on loopback that replays the behaviours users and client authors have
 * recorded against Apple's CalDAV servers (each quirk is named with its public source in
 * test/caldav/icloud-replay.test.ts). Two HTTP servers on 127.0.0.1, as iCloud's two hosts:
 *
 * - "front" (caldav.icloud.com): `/.well-known/caldav` → `/`, the principal, and a calendar-home-set
 *   that is an absolute URL on the other server (iCloud's `pNN-caldav.icloud.com`).
 * - "partition": the home (`/1234567890/calendars/`), an event calendar `home/` and a task list, with
 *   CTag, sync-collection, calendar-query, calendar-multiget, GET, PUT and DELETE over an in-memory
 *   store. Its quirks: a calendar-query without a VEVENT comp-filter is refused; a PUT of a VEVENT with
 *   DTSTART but neither DTEND nor DURATION is answered 404; PUT answers carry no ETag; a sync-token can
 *   be presented once, a second time it is answered with a bare 403; `touch()` changes a resource's ETag
 *   without changing its bytes.
 *
 * Every request is recorded (method, host, path, headers, body) for the tests to inspect.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const REPLAY_USER = 'ann@icloud.com';
export const REPLAY_PASSWORD = 'abcd-efgh-ijkl-mnop';
export const HOME_PATH = '/1234567890/calendars/';
export const CALENDAR_PATH = '/1234567890/calendars/home/';
const PRINCIPAL_PATH = '/1234567890/principal/';
const AUTH = `Basic ${Buffer.from(`${REPLAY_USER}:${REPLAY_PASSWORD}`).toString('base64')}`;

export interface ReplayRequest {
  host: 'front' | 'partition';
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Stored {
  data: string;
  etag: string;
}

interface Change {
  seq: number;
  href: string;
  deleted: boolean;
}

const multistatus = (responses: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<multistatus xmlns="DAV:">${responses}</multistatus>`;
const propstat = (props: string): string => `<propstat><prop>${props}</prop><status>HTTP/1.1 200 OK</status></propstat>`;
const cdata = (text: string): string => `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

export class ICloudReplay {
  readonly requests: ReplayRequest[] = [];
  private readonly store = new Map<string, Stored>();
  private readonly changes: Change[] = [];
  private readonly usedTokens = new Set<string>();
  private seq = 0;
  private front!: Server;
  private partition!: Server;
  frontUrl = '';
  partitionUrl = '';

  static async start(): Promise<ICloudReplay> {
    const replay = new ICloudReplay();
    replay.front = await listen((req, res, body) => replay.answerFront(req, res, body));
    replay.partition = await listen((req, res, body) => replay.answerPartition(req, res, body));
    replay.frontUrl = `http://127.0.0.1:${(replay.front.address() as AddressInfo).port}/`;
    replay.partitionUrl = `http://127.0.0.1:${(replay.partition.address() as AddressInfo).port}/`;
    return replay;
  }

  async stop(): Promise<void> {
    await Promise.all([this.front, this.partition].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** Another client (a phone) stores a resource. */
  put(name: string, data: string): string {
    return this.write(`${CALENDAR_PATH}${name}`, data);
  }

  /** Another client deletes a resource. */
  remove(name: string): void {
    const href = `${CALENDAR_PATH}${name}`;
    this.store.delete(href);
    this.changes.push({ seq: ++this.seq, href, deleted: true });
  }

  /** The server re-stamps a resource: new ETag, same bytes. */
  touch(name: string): string {
    const href = `${CALENDAR_PATH}${name}`;
    const stored = this.store.get(href);
    if (!stored) throw new Error(`no ${href}`);
    return this.write(href, stored.data);
  }

  stored(name: string): string | undefined {
    return this.store.get(`${CALENDAR_PATH}${name}`)?.data;
  }

  private write(href: string, data: string): string {
    const seq = ++this.seq;
    const etag = `"lv8k${seq.toString(36).padStart(4, '0')}"`;
    this.store.set(href, { data, etag });
    this.changes.push({ seq, href, deleted: false });
    return etag;
  }

  private token(): string {
    return `HwoQEgwAAAh4dGMAAAAAAAAAABgAGAAiFQj-${this.seq}`;
  }

  private record(host: ReplayRequest['host'], req: IncomingMessage, body: string): boolean {
    this.requests.push({ host, method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    return req.headers.authorization === AUTH;
  }

  private answerFront(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (!this.record('front', req, body)) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="iCloud"' }).end();
    const path = req.url ?? '';
    if (req.method === 'PROPFIND' && path === '/.well-known/caldav') return void res.writeHead(301, { location: '/' }).end();
    if (req.method === 'PROPFIND' && path === '/') {
      return xml(res, multistatus(`<response><href>/</href>${propstat(`<current-user-principal><href>${PRINCIPAL_PATH}</href></current-user-principal>`)}</response>`));
    }
    if (req.method === 'PROPFIND' && path === PRINCIPAL_PATH) {
      // Absolute, on the partition host, with an explicit port (as iCloud writes :443).
      const home = new URL(HOME_PATH, this.partitionUrl).toString();
      return xml(res, multistatus(`<response><href>${PRINCIPAL_PATH}</href>${propstat(`<calendar-home-set xmlns="urn:ietf:params:xml:ns:caldav"><href xmlns="DAV:">${home}</href></calendar-home-set>`)}</response>`));
    }
    res.writeHead(404).end();
  }

  private calendarProps(): string {
    return (
      '<resourcetype><collection/><calendar xmlns="urn:ietf:params:xml:ns:caldav"/></resourcetype><displayname>Home</displayname>' +
      '<supported-calendar-component-set xmlns="urn:ietf:params:xml:ns:caldav"><comp name="VEVENT"/></supported-calendar-component-set>' +
      `<getctag xmlns="http://calendarserver.org/ns/">HwoQ-ctag-${this.seq}</getctag><sync-token>${this.token()}</sync-token>` +
      '<supported-report-set><supported-report><report><sync-collection/></report></supported-report>' +
      '<supported-report><report><calendar-query xmlns="urn:ietf:params:xml:ns:caldav"/></report></supported-report>' +
      '<supported-report><report><calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav"/></report></supported-report></supported-report-set>' +
      '<current-user-privilege-set><privilege><read/></privilege><privilege><write/></privilege></current-user-privilege-set>'
    );
  }

  private item(href: string, withData: boolean): string {
    const stored = this.store.get(href);
    if (!stored) return `<response><href>${href}</href><status>HTTP/1.1 404 Not Found</status></response>`;
    const data = withData ? `<calendar-data xmlns="urn:ietf:params:xml:ns:caldav">${cdata(stored.data)}</calendar-data>` : '';
    return `<response><href>${href}</href>${propstat(`<getetag>${stored.etag}</getetag>${data}`)}</response>`;
  }

  private answerPartition(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (!this.record('partition', req, body)) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="iCloud"' }).end();
    const path = decodeURI(new URL(req.url ?? '/', 'http://x').pathname);
    const depth = req.headers.depth ?? '0';
    const withData = body.includes('calendar-data');
    if (req.method === 'PROPFIND' && path === HOME_PATH) {
      const tasks =
        `<response><href>${HOME_PATH}tasks/</href>${propstat('<resourcetype><collection/><calendar xmlns="urn:ietf:params:xml:ns:caldav"/></resourcetype><displayname>Reminders</displayname><supported-calendar-component-set xmlns="urn:ietf:params:xml:ns:caldav"><comp name="VTODO"/></supported-calendar-component-set>')}</response>`;
      const children = depth === '0' ? '' : `<response><href>${CALENDAR_PATH}</href>${propstat(this.calendarProps())}</response>${tasks}`;
      return xml(res, multistatus(`<response><href>${HOME_PATH}</href>${propstat('<resourcetype><collection/></resourcetype>')}</response>${children}`));
    }
    if (req.method === 'PROPFIND' && path === CALENDAR_PATH) {
      const members = depth === '0' ? '' : [...this.store.keys()].map((href) => this.item(href, false)).join('');
      return xml(res, multistatus(`<response><href>${CALENDAR_PATH}</href>${propstat(this.calendarProps())}</response>${members}`));
    }
    if (req.method === 'REPORT' && path === CALENDAR_PATH) return this.report(res, body, withData);
    if (!path.startsWith(CALENDAR_PATH) || path.endsWith('/')) return void res.writeHead(404).end();
    const stored = this.store.get(path);
    if (req.method === 'GET') {
      if (!stored) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag: stored.etag }).end(stored.data);
    }
    if (req.method === 'PUT') {
      if (req.headers['if-none-match'] === '*' && stored) return void res.writeHead(412).end();
      if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== stored?.etag) return void res.writeHead(412).end();
      // Recorded: a VEVENT with DTSTART but no DTEND (and no DURATION) is answered 404 Not Found.
      if (vevents(body).some((v) => /^DTSTART[;:]/m.test(v) && !/^(DTEND|DURATION)[;:]/m.test(v))) return void res.writeHead(404).end();
      this.write(path, body);
      // No ETag on the answer: iCloud stores its own rendering of what was sent.
      return void res.writeHead(stored ? 204 : 201).end();
    }
    if (req.method === 'DELETE') {
      if (!stored) return void res.writeHead(404).end();
      if (req.headers['if-match'] !== undefined && req.headers['if-match'] !== stored.etag) return void res.writeHead(412).end();
      this.store.delete(path);
      this.changes.push({ seq: ++this.seq, href: path, deleted: true });
      return void res.writeHead(204).end();
    }
    res.writeHead(405).end();
  }

  private report(res: ServerResponse, body: string, withData: boolean): void {
    if (body.includes('calendar-query')) {
      // Recorded: without the VEVENT comp-filter iCloud refuses the query.
      if (!/comp-filter name="VEVENT"/.test(body)) return void res.writeHead(400, { 'content-type': 'text/html' }).end('<html><body>Bad Request</body></html>');
      const uid = /<[a-z]*:?text-match[^>]*>([^<]*)</i.exec(body)?.[1];
      const hrefs = [...this.store.entries()].filter(([, s]) => uid === undefined || s.data.includes(`UID:${uid}`)).map(([href]) => href);
      return xml(res, multistatus(hrefs.map((href) => this.item(href, withData)).join('')));
    }
    if (body.includes('calendar-multiget')) {
      const hrefs = [...body.matchAll(/<[a-z]*:?href>([^<]*)</gi)].map((m) => decodeURI(m[1] ?? ''));
      return xml(res, multistatus(hrefs.map((href) => this.item(href, withData)).join('')));
    }
    if (body.includes('sync-collection')) {
      const token = /<[a-z]*:?sync-token>([^<]*)</i.exec(body)?.[1] ?? '';
      if (token !== '') {
        const from = Number(/-(\d+)$/.exec(token)?.[1] ?? NaN);
        // Recorded: a token presented a second time, or one never issued, is answered 403 with no body.
        if (this.usedTokens.has(token) || !Number.isInteger(from) || from > this.seq) return void res.writeHead(403).end();
        this.usedTokens.add(token);
        const latest = new Map<string, Change>();
        for (const change of this.changes) if (change.seq > from) latest.set(change.href, change);
        return xml(res, multistatus([...latest.values()].map((c) => this.item(c.href, withData)).join('') + `<sync-token>${this.token()}</sync-token>`));
      }
      return xml(res, multistatus([...this.store.keys()].map((href) => this.item(href, withData)).join('') + `<sync-token>${this.token()}</sync-token>`));
    }
    res.writeHead(400).end();
  }
}

function vevents(ics: string): string[] {
  return [...ics.replaceAll('\r\n', '\n').matchAll(/BEGIN:VEVENT\n([\s\S]*?)END:VEVENT/g)].map((m) => m[1] ?? '');
}

function xml(res: ServerResponse, body: string): void {
  res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' }).end(body);
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
