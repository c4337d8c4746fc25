/**
 * `npm run demo`: calsync end to end on one machine in under a minute.
 *
 * Starts the Microsoft Graph emulator (HTTPS, its own CA) and — when Debian's Radicale is installed — a
 * local CalDAV server, creates a demo tenant with an API key, connects an Outlook mailbox (through the
 * real OAuth code + PKCE flow against the emulator) and a CalDAV calendar, seeds a wedding's events in
 * WedSync, Outlook and Apple/CalDAV, runs `calsync serve` as a child process, lets the first two-way
 * sync run, then edits the same event's place in WedSync and in Outlook at once: a conflict for the
 * dashboard's inbox. Prints the dashboard URL (with `?key=`) and runs until Ctrl-C, which stops
 * everything and deletes the temporary data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createGraphEmulator, type GraphEmulator } from '../src/emulator/graph/index.js';
import { openRuntime } from '../src/runtime.js';
import { connectCalDav } from '../src/service/connect.js';
import { createHubEvent } from '../src/service/hub-events.js';
import { connectOutlook } from '../src/service/outlook/connect-outlook.js';
import { freePort, mkcalendar, startRadicale, type DavServer } from '../test/support/radicale.js';

const ROOT = resolve(import.meta.dirname, '..');
const MAILBOX = 'studio@bloomandvow.example';
const DAV_USER = 'planner';
const TZ = 'Europe/London';

const log = (line: string): void => console.log(`  ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** YYYY-MM-DD, `days` from today. */
function day(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await sleep(500);
  }
  log(`(still waiting for ${what} after ${timeoutMs / 1000} s — carrying on; see the server log)`);
  return undefined;
}

interface Demo {
  dataDir: string;
  emulator?: GraphEmulator;
  radicale?: DavServer;
  serve?: ChildProcess;
}

async function stop(demo: Demo): Promise<void> {
  const child = demo.serve;
  if (child && child.exitCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    await exited;
    clearTimeout(timer);
  }
  await demo.radicale?.stop();
  await demo.emulator?.close();
  rmSync(demo.dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const demo: Demo = { dataDir: mkdtempSync(join(tmpdir(), 'calsync-demo-')) };
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the demo…');
    stop(demo).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  try {
    await run(demo);
  } catch (err) {
    console.error('\nThe demo could not start:', err);
    await stop(demo);
    process.exit(1);
  }
}

async function run(demo: Demo): Promise<void> {
  console.log('calsync demo\n');

  // 1. Outlook: the Graph emulator, HTTPS with a generated CA the service is told to trust.
  const emulator = await createGraphEmulator({ users: [{ userPrincipalName: MAILBOX, displayName: 'Bloom & Vow Studio' }] });
  demo.emulator = emulator;
  const caFile = join(demo.dataDir, 'graph-emulator-ca.pem');
  writeFileSync(caFile, emulator.caCert ?? '');
  log(`Microsoft Graph emulator   ${emulator.url}`);

  // 2. Apple / CalDAV: Radicale, when installed.
  let davCalendarUrl: string | undefined;
  if (existsSync('/usr/bin/radicale')) {
    demo.radicale = await startRadicale();
    davCalendarUrl = await mkcalendar(demo.radicale.url, DAV_USER, 'weddings', 'Weddings (Apple Calendar)');
    log(`Radicale (CalDAV)          ${davCalendarUrl}`);
  } else {
    log('Radicale is not installed (apt-get install radicale): the demo runs with Outlook only.');
  }

  // 3. The service's data: tenant, API key, the two connections and WedSync's events.
  const port = await freePort();
  const env = {
    ...process.env,
    CALSYNC_DATA_DIR: demo.dataDir,
    CALSYNC_ALLOW_PRIVATE_URLS: '1',
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: caFile,
    // Graph (the emulator, on loopback) posts change notifications here; plain http is accepted on loopback only.
    CALSYNC_PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const runtime = await openRuntime(loadConfig(env));
  const { store, clock } = runtime;
  const tenant = await store.tenants.create('Bloom & Vow Weddings');
  const { key } = await store.apiKeys.create(tenant.id, 'demo');
  const outlook = await connectOutlook({ store, clock }, tenant.id, { graphUrl: emulator.url, ca: emulator.caCert, name: 'Studio Outlook', loginHint: MAILBOX });
  log(`Outlook connected          ${outlook.username} (${outlook.calendars.length} calendar)`);
  let caldavIntegrationId: string | undefined;
  if (davCalendarUrl && demo.radicale) {
    const caldav = await connectCalDav({ store, clock }, tenant.id, { kind: 'caldav', url: demo.radicale.url, username: DAV_USER, password: 'demo', name: "Planner's iPhone (CalDAV)", allowPrivate: true });
    caldavIntegrationId = caldav.integration.id;
    log(`CalDAV connected           ${caldav.calendars.map((c) => c.name).join(', ')}`);
  }

  const wedding = day(120);
  const events = [
    { title: 'Ceremony — Sam & Alex', kind: 'ceremony', start: `${wedding}T14:00`, end: `${wedding}T15:00`, location: "St Mary's Church, Rye" },
    { title: 'Reception — Sam & Alex', kind: 'reception', start: `${wedding}T17:00`, end: `${wedding}T23:30`, location: 'Rye Lodge Gardens' },
    { title: 'Hair and makeup', kind: 'wedding_day_timeline', start: `${wedding}T09:00`, end: `${wedding}T11:00`, location: 'Rye Lodge, bridal suite' },
    { title: 'Menu tasting with the caterer', kind: 'tasting', start: `${day(30)}T12:00`, end: `${day(30)}T13:30`, location: 'Fennel & Fig kitchen, Hastings' },
    { title: 'Venue visit — Rye Lodge', kind: 'venue_visit', start: `${day(9)}T10:00`, end: `${day(9)}T11:00`, location: 'Rye Lodge, reception' },
    { title: 'Final numbers due to caterer', kind: 'deadline', start: day(100), end: day(101) },
  ];
  for (const e of events) {
    await createHubEvent({ store, clock }, tenant.id, { ...e, ...(e.start.includes('T') ? { timeZone: TZ } : {}), weddingId: 'sam-alex', weddingDate: wedding }, 'wedsync');
  }
  await runtime.close();
  log(`WedSync events seeded      ${events.length} (a wedding on ${wedding})`);

  // Made in the calendars themselves: they must reach WedSync and the other calendar.
  await emulator.admin.act(MAILBOX, 'POST', '/events', {
    subject: 'Florist meeting — peonies and eucalyptus',
    start: { dateTime: `${day(14)}T15:00:00`, timeZone: 'GMT Standard Time' },
    end: { dateTime: `${day(14)}T16:00:00`, timeZone: 'GMT Standard Time' },
    location: { displayName: 'Petal & Stem, Tenterden' },
  });
  if (davCalendarUrl) {
    const stamp = `${day(0).replaceAll('-', '')}T090000Z`;
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//calsync demo//EN', 'BEGIN:VEVENT', 'UID:rehearsal-sam-alex@demo.calsync',
      `DTSTAMP:${stamp}`, `DTSTART;TZID=${TZ}:${day(119).replaceAll('-', '')}T180000`, `DTEND;TZID=${TZ}:${day(119).replaceAll('-', '')}T193000`,
      'SUMMARY:Ceremony rehearsal', "LOCATION:St Mary's Church, Rye", 'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    await fetch(`${davCalendarUrl}rehearsal.ics`, { method: 'PUT', headers: { 'content-type': 'text/calendar', authorization: `Basic ${Buffer.from(`${DAV_USER}:demo`).toString('base64')}` }, body: ics });
  }
  log('Calendar-side events       1 in Outlook' + (davCalendarUrl ? ', 1 in CalDAV' : ''));

  // 4. `calsync serve`, as a newcomer would run it; its log goes to a file.
  const logFile = join(demo.dataDir, 'serve.log');
  const serve = spawn(process.execPath, [join(ROOT, 'bin/calsync.js'), 'serve', '--port', String(port), '--host', '127.0.0.1'], { cwd: ROOT, env, stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] });
  demo.serve = serve;
  serve.once('exit', (code) => {
    if (code !== null && code !== 0) console.error(`calsync serve exited with ${code}; see ${logFile}`);
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('calsync serve', async () => (await fetch(`${base}/readyz`)).ok, 30_000);
  log(`calsync serve              ${base}`);

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };

  // 5. The first two-way sync: every event everywhere.
  console.log('\nFirst sync…');
  await api('POST', `/integrations/${outlook.integration.id}/sync`, {});
  if (caldavIntegrationId) await api('POST', `/integrations/${caldavIntegrationId}/sync`, {});
  const expected = events.length + 1 + (davCalendarUrl ? 1 : 0);
  const outlookEvents = async (): Promise<{ id: string; subject: string }[]> =>
    ((await emulator.admin.act(MAILBOX, 'GET', '/events?$top=100&$select=subject')).body as { value: { id: string; subject: string }[] }).value;
  const davCount = async (): Promise<number> => {
    if (!davCalendarUrl) return expected;
    const res = await fetch(davCalendarUrl, { method: 'PROPFIND', headers: { depth: '1', authorization: `Basic ${Buffer.from(`${DAV_USER}:demo`).toString('base64')}` } });
    return ((await res.text()).match(/\.ics<\/[a-zA-Z]*:?href>/g) ?? []).length;
  };
  await waitFor('the first sync', async () => {
    const hub = ((await api('GET', '/events?limit=100')) as { items: unknown[] }).items.length;
    return hub === expected && (await outlookEvents()).length === expected && (await davCount()) === expected;
  });
  log(`${expected} events in WedSync, in Outlook${davCalendarUrl ? ' and in CalDAV' : ''}`);

  // 6. A conflict: the venue visit's place changed in WedSync and in Outlook at the same moment.
  const hubEvents = ((await api('GET', '/events?limit=100')) as { items: { id: string; event: { title: string } }[] }).items;
  const visit = hubEvents.find((e) => e.event.title.startsWith('Venue visit'));
  const remoteVisit = (await outlookEvents()).find((e) => e.subject.startsWith('Venue visit'));
  if (visit && remoteVisit) {
    await api('PATCH', `/events/${visit.id}`, { location: 'Rye Lodge, the Orangery' });
    await emulator.admin.act(MAILBOX, 'PATCH', `/events/${remoteVisit.id}`, { subject: 'Venue walk-through — Rye Lodge', location: { displayName: 'Rye Lodge, main house' } });
    await waitFor('the conflict', async () => ((await api('GET', '/conflicts?status=open')) as unknown[]).length > 0, 30_000);
    log('A conflict is waiting: the venue visit’s place was changed in WedSync and in Outlook');
  }

  console.log(`
calsync is running. Open the dashboard:

  ${base}/dashboard?key=${encodeURIComponent(key)}

  API key         ${key}   (curl -H "Authorization: Bearer ${key}" ${base}/api/v1/integrations)
  API docs        ${base}/docs
  Graph emulator  ${emulator.url}   (CA ${caFile})${davCalendarUrl ? `\n  CalDAV          ${davCalendarUrl}   (user ${DAV_USER}, any password)` : ''}
  Server log      ${logFile}

Try it: resolve the conflict field by field; press “Sync now” and watch it live; change an event
through the API (PATCH ${base}/api/v1/events/<id>) and see it reach Outlook${davCalendarUrl ? ' and CalDAV' : ''}.
Ctrl-C stops everything and deletes ${demo.dataDir}.`);
}

await main();
