/**
 * Hostile CalDAV and Graph servers against calsync's real providers: DOCTYPE and entity tricks,
 * broken XML and JSON, huge multistatus, trickled bytes, gzip bombs, broken iCalendar, wrong content
 * types, odd statuses and paging loops. A case passes when the provider call settles in time with a
 * result or a typed `CalsyncError`; anything else is a finding: an untyped error or a leaked local file
 * counts as a crash, no settlement within the limit as a hang.
 */
import { gzipSync } from 'node:zlib';
import { isCalsyncError } from '../../../src/errors.js';
import { CalDavProvider } from '../../../src/providers/caldav/caldav-provider.js';
import { encodeCursor } from '../../../src/providers/caldav/cursor.js';
import { GraphClient } from '../../../src/providers/graph/client.js';
import { GraphProvider } from '../../../src/providers/graph/graph-provider.js';
import { createTransport } from '../../../src/providers/graph/http/transport.js';
import type { CalendarProvider } from '../../../src/providers/types.js';
import { HostileServer, type CaseHandler, type HostileAnswer, type HostileRequest } from './hostile-server.js';
import { Rng } from './random.js';

export interface ProviderTally {
  cases: number;
  responses: number;
  crashes: number;
  hangs: number;
  typedRefusals: number;
  succeeded: number;
  samples: string[];
}

const XML = { 'content-type': 'application/xml; charset=utf-8' };
const JSON_TYPE = { 'content-type': 'application/json' };

let bombCache: Buffer | undefined;
/** 64 MiB of XML-ish padding, gzip-compressed to ~64 KiB (built once). */
function gzipBomb(): Buffer {
  bombCache ??= gzipSync(Buffer.concat([Buffer.from('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">'), Buffer.alloc(64 * 1024 * 1024, 0x20)]), { level: 9 });
  return bombCache;
}

function ics(summary: string, extra = ''): string {
  return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\nBEGIN:VEVENT\r\nUID:fuzz-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260601T100000Z\r\nDTEND:20260601T110000Z\r\nSUMMARY:${summary}\r\n${extra}END:VEVENT\r\nEND:VCALENDAR\r\n`;
}

const BROKEN_ICS: readonly (() => string)[] = [
  () => 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n',
  () => ics('S'.repeat(5 * 1024 * 1024)),
  () => ics('x', `${'BEGIN:VALARM\r\n'.repeat(5_000)}${'END:VALARM\r\n'.repeat(5_000)}`),
  () => ics('x', 'DTSTART:99999999T999999Z\r\n'),
  () => ics('x', 'RRULE:FREQ=SECONDLY;COUNT=1000000000\r\n'),
  () => ics('x', 'RRULE:FREQ=YEARLY;BYMONTH=13;BYDAY=99MO\r\n'),
  () => ics('x', 'DTSTART;TZID=../../etc/passwd:20260601T100000\r\n'),
  () => ics('a\u0000b'),
  () => ics(`x\r\n ${'folded '.repeat(50_000)}`),
  () => 'BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n'.repeat(1_000),
  () => '\u00ff\u00fe'.repeat(1_000),
  () => ics('x', 'ATTENDEE;CN="' + 'q'.repeat(100_000) + '":mailto:a@b\r\n'),
];

function propResponse(href: string, props: string): string {
  return `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
}

function multistatus(responses: string, prolog = '<?xml version="1.0" encoding="utf-8"?>'): string {
  return `${prolog}<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">${responses}<d:sync-token>http://fuzz/sync/2</d:sync-token></d:multistatus>`;
}

/** A plausible answer to each CalDAV request of discovery, listing and multiget; `data` is the items' calendar-data. */
function davAnswer(req: HostileRequest, data: () => string, displayName = 'Fuzz'): string {
  const prefix = new URL(req.root).pathname;
  const calendar = `<d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>${displayName}</d:displayname><cs:getctag>ctag-${Date.now()}</cs:getctag><d:sync-token>http://fuzz/sync/2</d:sync-token><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set><d:current-user-privilege-set><d:privilege><d:all/></d:privilege></d:current-user-privilege-set>`;
  if (req.method === 'PROPFIND') {
    if (req.path.startsWith('/home/')) {
      return multistatus(propResponse(`${prefix}/home/`, '<d:resourcetype><d:collection/></d:resourcetype>') + propResponse(`${prefix}/cal/`, calendar));
    }
    if (req.path.startsWith('/cal/')) return multistatus(propResponse(`${prefix}/cal/`, calendar));
    return multistatus(propResponse(`${prefix}/`, `<d:current-user-principal><d:href>${prefix}/p/</d:href></d:current-user-principal><c:calendar-home-set><d:href>${prefix}/home/</d:href></c:calendar-home-set><d:resourcetype><d:collection/></d:resourcetype>`));
  }
  const items = [1, 2, 3].map((n) => (req.body.includes('sync-collection') && !req.body.includes('calendar-data') ? propResponse(`${prefix}/cal/${n}.ics`, `<d:getetag>"e${n}"</d:getetag>`) : propResponse(`${prefix}/cal/${n}.ics`, `<d:getetag>"e${n}"</d:getetag><c:calendar-data>${escapeXml(data())}</c:calendar-data>`)));
  return multistatus(items.join(''));
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** One hostile CalDAV case: a handler, and a check of what the provider returned. */
interface HostileCase {
  name: string;
  handler: CaseHandler;
  /** Text that must never appear in what the provider returns (a local file's content). */
  leakCheck?: string;
}

function davCase(rng: Rng): HostileCase {
  const kind = rng.int(11);
  const ok = (req: HostileRequest): HostileAnswer => ({ status: 207, headers: XML, body: davAnswer(req, () => ics('Ceremony')) });
  switch (kind) {
    case 0: {
      const laughs = `<!DOCTYPE d [<!ENTITY a "${'lol'.repeat(10)}">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]>`;
      return { name: 'doctype: billion laughs', handler: (req) => ({ status: 207, headers: XML, body: davAnswer(req, () => ics('x'), '&j;').replace('<?xml version="1.0" encoding="utf-8"?>', `<?xml version="1.0"?>${laughs}`) }) };
    }
    case 1:
      return {
        name: 'doctype: external entity',
        leakCheck: 'root:x:0:0',
        handler: (req) => ({ status: 207, headers: XML, body: davAnswer(req, () => ics('x'), '&xxe;').replace('<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>') }),
      };
    case 2: {
      const variant = rng.int(7);
      return {
        name: `broken xml #${variant}`,
        handler: (req) => {
          const good = davAnswer(req, () => ics('x'));
          const body = [
            good.slice(0, rng.int(good.length)),
            good.replace('</d:multistatus>', '</d:multistatuz>'),
            `${good}<!--${'-'.repeat(100_000)}`,
            `<?xml version="1.0"?>${'<d:a xmlns:d="DAV:">'.repeat(50_000)}`,
            `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" ${Array.from({ length: 5_000 }, (_, i) => `a${i}="${i}"`).join(' ')}>`,
            `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href><![CDATA[${'x'.repeat(200_000)}`,
            Buffer.concat([Buffer.from(good.slice(0, 200)), Buffer.from([0xc3, 0x28, 0xff, 0x00]), Buffer.from(good.slice(200))]).toString('latin1'),
          ][variant]!;
          return { status: 207, headers: XML, body };
        },
      };
    }
    case 3:
      return {
        name: 'huge multistatus',
        handler: (req) => {
          const prefix = new URL(req.root).pathname;
          if (req.method === 'PROPFIND' && !req.path.startsWith('/cal/')) return ok(req);
          const many = Array.from({ length: 20_000 }, (_, i) => propResponse(`${prefix}/cal/${i}.ics`, `<d:getetag>"${i}"</d:getetag>`)).join('');
          return { status: 207, headers: XML, body: multistatus(many) };
        },
      };
    case 4:
      return { name: 'trickled bytes', handler: (req) => ({ status: 207, headers: XML, body: davAnswer(req, () => ics('x')), trickleBytes: 1, trickleMs: 25 }) };
    case 5:
      return { name: 'gzip bomb', handler: () => ({ status: 207, headers: { ...XML, 'content-encoding': 'gzip' }, body: gzipBomb() }) };
    case 6: {
      const pick = rng.int(BROKEN_ICS.length);
      return { name: `broken icalendar #${pick}`, handler: (req) => ({ status: 207, headers: XML, body: davAnswer(req, BROKEN_ICS[pick]!) }) };
    }
    case 7: {
      const type = rng.pick(['text/html', 'application/json', 'image/png', 'text/xml; charset=utf-16', '']);
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      return { name: `wrong content type ${type}`, handler: (req) => ({ status: 207, headers, body: type === 'text/html' ? '<html><body>login</body></html>' : davAnswer(req, () => ics('x')) }) };
    }
    case 8: {
      const variant = rng.int(7);
      return {
        name: `odd status #${variant}`,
        handler: (req) =>
          ([
            { status: 207, headers: XML, body: '' },
            { status: 301, headers: { location: `${req.root}${req.path}` } },
            { status: 302, headers: { location: 'http://127.0.0.1:1/' } },
            { status: 401, headers: { 'www-authenticate': `Basic ${'x'.repeat(10_000)}` } },
            { status: 500, headers: XML, body: 'x'.repeat(2 * 1024 * 1024) },
            { status: 429, headers: { 'retry-after': '999999999' } },
            { status: 207, headers: { ...XML, 'content-length': '100000' }, body: davAnswer(req, () => ics('x')), cutAfter: 50 },
          ] as HostileAnswer[])[variant]!,
      };
    }
    case 9:
      return {
        name: 'sync-collection truncated forever',
        handler: (req) => {
          if (req.method !== 'REPORT' || !req.body.includes('sync-collection')) return ok(req);
          const prefix = new URL(req.root).pathname;
          // Every page the same 1,000 etag-only entries, "more follows" (507), a new token.
          const many = Array.from({ length: 1_000 }, (_, i) => propResponse(`${prefix}/cal/${i}.ics`, `<d:getetag>"${i}"</d:getetag>`)).join('');
          const truncated = `<d:response><d:href>${prefix}/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>`;
          return { status: 207, headers: XML, body: multistatus(many + truncated).replace('http://fuzz/sync/2', `http://fuzz/sync/${Date.now()}`) };
        },
      };
    default:
      return { name: 'plausible server', handler: ok };
  }
}

function graphEvent(rng: Rng, i: number): Record<string, unknown> {
  const weird = rng.int(6);
  const base: Record<string, unknown> = { id: `e${i}`, '@odata.etag': `W/"${i}"`, subject: 'x', type: 'singleInstance', start: { dateTime: '2026-06-20T10:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2026-06-20T11:00:00.0000000', timeZone: 'UTC' } };
  if (weird === 0) base.subject = 's'.repeat(5 * 1024 * 1024);
  if (weird === 1) base.start = 5;
  if (weird === 2) base.recurrence = 'x';
  if (weird === 3) base.body = { contentType: 'html', content: `<html>${'<div>'.repeat(50_000)}` };
  if (weird === 4) base.start = { dateTime: 'not a time', timeZone: '../../etc/passwd' };
  return base;
}

function graphCase(rng: Rng): HostileCase {
  const kind = rng.int(9);
  const calendars = JSON.stringify({ value: [{ id: 'cal1', name: 'Fuzz', canEdit: true }] });
  switch (kind) {
    case 0:
      return { name: 'graph: broken json', handler: () => ({ headers: JSON_TYPE, body: rng.pick(['{"value":[', '{]', '\u0000', 'null', '[]', '{"value":"x"}']) }) };
    case 1:
      return { name: 'graph: deep json', handler: () => ({ headers: JSON_TYPE, body: `{"value":${'['.repeat(200_000)}${']'.repeat(200_000)}}` }) };
    case 2:
      return { name: 'graph: huge value array', handler: () => ({ headers: JSON_TYPE, body: JSON.stringify({ value: Array.from({ length: 100_000 }, (_, i) => ({ id: `x${i}` })) }) }) };
    case 3:
      return { name: 'graph: hostile events', handler: (req) => (req.path.includes('/calendars') && !req.path.includes('cal1') ? { headers: JSON_TYPE, body: calendars } : { headers: JSON_TYPE, body: JSON.stringify({ value: Array.from({ length: 5 }, (_, i) => graphEvent(rng, i)), '@odata.deltaLink': `${req.root}/v1.0/delta?token=1` }) }) };
    case 4: {
      // A link to itself, a two-page cycle, or a link to another origin (port 1 on loopback: never contacted).
      const variant = rng.int(3);
      const link = (req: HostileRequest): string =>
        [`${req.root}${req.path}`, `${req.root}/v1.0/page?n=${req.path.includes('n=1') ? 2 : 1}`, 'http://127.0.0.1:1/v1.0/me/calendars?$skip=10'][variant]!;
      return { name: `graph: nextLink loop #${variant}`, handler: (req) => ({ headers: JSON_TYPE, body: JSON.stringify({ value: [], '@odata.nextLink': link(req) }) }) };
    }
    case 5:
      return { name: 'graph: gzip bomb', handler: () => ({ headers: { ...JSON_TYPE, 'content-encoding': 'gzip' }, body: gzipBomb() }) };
    case 6:
      return { name: 'graph: trickle', handler: () => ({ headers: JSON_TYPE, body: calendars, trickleBytes: 1, trickleMs: 40 }) };
    case 7: {
      const type = rng.pick(['text/html', 'application/xml', '']);
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      return { name: `graph: content type ${type}`, handler: () => ({ headers, body: type === 'application/xml' ? '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>' : '<html>sign in</html>' }) };
    }
    default: {
      const variant = rng.int(4);
      return {
        name: `graph: odd status #${variant}`,
        handler: () => ([{ status: 429, headers: { 'retry-after': '999999999' } }, { status: 503, body: 'x'.repeat(3 * 1024 * 1024) }, { status: 401, headers: JSON_TYPE, body: '{"error":{"code":"InvalidAuthenticationToken"}}' }, { status: 200, headers: { ...JSON_TYPE, 'content-length': '5000' }, body: calendars, cutAfter: 10 }] as HostileAnswer[])[variant]!,
      };
    }
  }
}

async function settle(provider: CalendarProvider, op: (p: CalendarProvider) => Promise<unknown>, timeoutMs: number): Promise<{ state: 'ok' | 'typed' | 'untyped' | 'hang'; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<{ state: 'hang'; detail: string }>((resolve) => (timer = setTimeout(() => resolve({ state: 'hang', detail: `no answer in ${timeoutMs} ms` }), timeoutMs)));
  const run = op(provider).then(
    (value) => ({ state: 'ok' as const, detail: JSON.stringify(value ?? null).slice(0, 100_000) }),
    (err: unknown) => (isCalsyncError(err) ? { state: 'typed' as const, detail: err.code } : { state: 'untyped' as const, detail: err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err) }),
  );
  const outcome = await Promise.race([run, hang]);
  clearTimeout(timer);
  return outcome;
}

export async function fuzzProviders(opts: { responses: number; minCases: number; seed: number; concurrency: number; caseTimeoutMs: number; deadline: number }): Promise<ProviderTally> {
  const server = new HostileServer();
  await server.start();
  const tally: ProviderTally = { cases: 0, responses: 0, crashes: 0, hangs: 0, typedRefusals: 0, succeeded: 0, samples: [] };
  const transport = createTransport({ connections: 4 });
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    const rng = new Rng(opts.seed * 7919 + w);
    while ((server.responses < opts.responses || tally.cases < opts.minCases) && Date.now() < opts.deadline) {
      const id = `c${(next += 1)}`;
      const dav = rng.chance(0.6);
      const c: HostileCase = dav ? davCase(rng) : graphCase(rng);
      const root = server.add(id, c.handler);
      let provider: CalendarProvider;
      let op: (p: CalendarProvider) => Promise<unknown>;
      if (dav) {
        provider = new CalDavProvider({ url: `${root}/`, username: 'fuzz', password: 'fuzz', allowPrivate: true, timeoutMs: 2_000, resilience: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, breakerThreshold: 1_000 } });
        const calendar = `${root}/cal/`;
        // A cursor with a sync-token takes the sync-collection path (507 pages, multiget of items without data).
        const cursor = encodeCursor({ ctag: 'ctag-old', syncToken: 'http://fuzz/sync/1' });
        op = rng.pick<(p: CalendarProvider) => Promise<unknown>>([(p) => p.listCalendars(), (p) => p.listChanges(calendar, null), (p) => p.listChanges(calendar, cursor), (p) => p.fetch(calendar, [`${new URL(root).pathname}/cal/1.ics`])]);
      } else {
        const client = new GraphClient({ baseUrl: `${root}/v1.0`, getToken: async () => 'fuzz-token', fetch: transport.fetch, maxAttempts: 2, maxWaitS: 1, timeoutMs: 2_000, sleep: async () => undefined });
        provider = new GraphProvider({ client });
        op = rng.pick<(p: CalendarProvider) => Promise<unknown>>([(p) => p.listCalendars(), (p) => p.listChanges('cal1', null), (p) => p.fetch('cal1', ['e1'])]);
      }
      const outcome = await settle(provider, op, opts.caseTimeoutMs);
      tally.cases += 1;
      const leaked = c.leakCheck !== undefined && outcome.detail.includes(c.leakCheck);
      if (outcome.state === 'hang') tally.hangs += 1;
      else if (outcome.state === 'untyped' || leaked) tally.crashes += 1;
      else if (outcome.state === 'typed') tally.typedRefusals += 1;
      else tally.succeeded += 1;
      if ((outcome.state === 'hang' || outcome.state === 'untyped' || leaked) && tally.samples.length < 30) tally.samples.push(`${c.name}: ${leaked ? 'LEAKED a local file' : outcome.state} ${outcome.detail.slice(0, 160)}`);
      server.remove(id);
      await provider.close?.().catch(() => undefined);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  } finally {
    tally.responses = server.responses;
    await transport.close();
    await server.close();
  }
  return tally;
}
