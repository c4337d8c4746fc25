/**
 * `npm run bench -- e2e`: an event changed in Outlook (the Graph emulator) appears in Radicale, and one
 * changed in Radicale appears in Outlook — end to end through a `calsync serve` child process with
 * Graph change notifications (webhooks) on and the CalDAV calendar polled every second.
 *
 * Set-up (as `npm run demo`): the emulator (HTTPS, its own CA), Radicale on loopback, a fresh SQLite
 * data dir; Outlook connected through the real OAuth code + PKCE flow, CalDAV through `connectCalDav`;
 * both calendars two-way; the CalDAV calendar's poll interval 1 s (the poller then ticks every 200 ms by
 * itself); CALSYNC_PUBLIC_URL on loopback so the
 * emulator posts change notifications. Seeded: a wedding's ceremony, hair-and-makeup and menu tasting in Outlook, its
 * reception, rehearsal dinner and cake tasting in Radicale; the first two-way sync runs before anything is measured.
 *
 * Then ROUNDS rounds (default 100, E2E_BENCH_ROUNDS), alternating directions, one change in flight at a time:
 * - Outlook → CalDAV: the ceremony's location is set to a unique marker in the emulator as another
 *   Outlook client (`emu.admin.act`, which notifies); timed until a GET of the ceremony's resource on
 *   Radicale (every 25 ms) carries the marker.
 * - CalDAV → Outlook: the reception's resource is PUT to Radicale as another client (If-Match with its
 *   current ETag) with a marker location; timed until the emulator's copy (GET every 25 ms) carries it.
 *   The wait before it is spread deterministically over the 1 s poll period.
 * The ceremony and reception are wedding-critical (high priority). E2E_BENCH_ROUTINE_ROUNDS (default 20)
 * more rounds do the same on two tastings (low priority) and are reported as extra `routine_*` entries.
 * A change that has not arrived after 30 s counts as a failure (reported; the run carries on).
 * Writes bench/results/e2e.json (p50/p99 per direction) and keeps the service's log in
 * bench/results/e2e-serve.log (every sync job with its duration: where the time went).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createGraphEmulator, type GraphEmulator } from '../src/emulator/graph/index.js';
import { openRuntime } from '../src/runtime.js';
import { connectCalDav } from '../src/service/connect.js';
import { connectOutlook } from '../src/service/outlook/connect-outlook.js';
import { freePort, mkcalendar, startRadicale, type DavServer } from '../test/support/radicale.js';
import { benchResult, writeBenchResult } from './result.js';
import { davGet, davHrefs, davPut, setLocation, unfold } from './support/e2e-dav.js';

const ROOT = resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.E2E_BENCH_ROUNDS ?? 100);
const CALDAV_POLL_S = 1;
const PROBE_MS = 25;
const ROUND_TIMEOUT_MS = 30_000;
/** At least this long between changes, so the echo of the previous change (the write-back's own notification/poll) settles. */
const GAP_MS = 250;
/** Extra rounds on low-priority (routine) events: a tasting each side. */
const ROUTINE_ROUNDS = Number(process.env.E2E_BENCH_ROUTINE_ROUNDS ?? 20);
const SEEDED = 6;
const MAILBOX = 'studio@bloomandvow.example';
const DAV_USER = 'planner';
const TZ = 'Europe/London';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};
/** Fixed date (deterministic data): a wedding in 2027, far from the 48 h emergency window. */
const WEDDING = '2027-09-18';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Polls `seen` every PROBE_MS from `t0`; the latency in ms, or undefined after ROUND_TIMEOUT_MS. */
async function arrival(t0: number, seen: () => Promise<boolean>): Promise<number | undefined> {
  for (;;) {
    if (await seen().catch(() => false)) return performance.now() - t0;
    if (performance.now() - t0 > ROUND_TIMEOUT_MS) return undefined;
    await sleep(PROBE_MS);
  }
}

function ics(uid: string, summary: string, day: string, from: string, to: string, location: string): string {
  const d = day.replaceAll('-', '');
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//calsync bench//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T090000Z',
    `DTSTART;TZID=${TZ}:${d}T${from}00`, `DTEND;TZID=${TZ}:${d}T${to}00`, `SUMMARY:${summary}`, `LOCATION:${location}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

/** An event edited in Outlook and its copy in Radicale; an event edited in Radicale and its copy in Outlook. */
interface Pair {
  outlookId: string;
  outlookCopyHref: string;
  davHref: string;
  davCopyOutlookId: string;
}

interface Bench {
  dataDir: string;
  emulator?: GraphEmulator;
  radicale?: DavServer;
  serve?: ChildProcess;
}

async function stop(b: Bench): Promise<void> {
  const child = b.serve;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    await exited;
    clearTimeout(timer);
  }
  await Promise.allSettled([b.radicale?.stop(), b.emulator?.close()]);
  rmSync(b.dataDir, { recursive: true, force: true });
}

export async function run(): Promise<void> {
  const b: Bench = { dataDir: mkdtempSync(join(tmpdir(), 'calsync-bench-e2e-')) };
  const onSignal = (): void => void stop(b).finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const logFile = join(b.dataDir, 'serve.log');
  try {
    await measure(b, logFile);
  } catch (err) {
    process.stderr.write(`e2e bench failed: ${String(err)}\n--- last lines of the serve log ---\n${tail(logFile)}\n`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop(b);
  }
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(none)';
  }
}

async function measure(b: Bench, logFile: string): Promise<void> {
  const say = (line: string): void => void process.stdout.write(`  ${line}\n`);
  const emu = await createGraphEmulator({ users: [{ userPrincipalName: MAILBOX, displayName: 'Bloom & Vow Studio' }] });
  b.emulator = emu;
  const caFile = join(b.dataDir, 'graph-emulator-ca.pem');
  writeFileSync(caFile, emu.caCert ?? '');
  b.radicale = await startRadicale();
  const calUrl = await mkcalendar(b.radicale.url, DAV_USER, 'weddings', 'Weddings');
  const dav = { user: DAV_USER, password: 'bench' };

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CALSYNC_DATA_DIR: b.dataDir,
    CALSYNC_ALLOW_PRIVATE_URLS: '1',
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: caFile,
    CALSYNC_PUBLIC_URL: base,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };

  // The store: the two connections, both two-way; the CalDAV calendar polled every second.
  const runtime = await openRuntime(loadConfig(env));
  const { store, clock } = runtime;
  const tenant = await store.tenants.ensureDefault();
  const outlook = await connectOutlook({ store, clock }, tenant.id, { graphUrl: emu.url, ca: emu.caCert, name: 'Studio Outlook', loginHint: MAILBOX });
  const caldav = await connectCalDav({ store, clock }, tenant.id, { kind: 'caldav', url: b.radicale.url, username: DAV_USER, password: dav.password, name: 'Planner CalDAV', allowPrivate: true });
  const outlookCal = outlook.calendars[0];
  const davCal = caldav.calendars[0];
  if (!outlookCal || !davCal || outlook.calendars.length !== 1 || caldav.calendars.length !== 1) throw new Error('expected one Outlook and one CalDAV calendar');
  await store.calendars.update(tenant.id, outlookCal.id, { direction: 'two_way', enabled: true });
  await store.calendars.update(tenant.id, davCal.id, { direction: 'two_way', enabled: true, pollIntervalS: CALDAV_POLL_S });
  await runtime.close();

  // Seeded in the calendars themselves (deterministic): three in Outlook, three in Radicale.
  const slot = (from: string, to: string) => ({ start: { dateTime: `${WEDDING}T${from}:00`, timeZone: 'GMT Standard Time' }, end: { dateTime: `${WEDDING}T${to}:00`, timeZone: 'GMT Standard Time' } });
  const ceremony = await emu.admin.act(MAILBOX, 'POST', '/events', { subject: 'Ceremony — Sam & Alex', ...slot('14:00', '15:00'), location: { displayName: "St Mary's Church" } });
  await emu.admin.act(MAILBOX, 'POST', '/events', { subject: 'Hair and makeup — Sam & Alex', ...slot('09:00', '11:00'), location: { displayName: 'Rye Lodge' } });
  const tasting = await emu.admin.act(MAILBOX, 'POST', '/events', { subject: 'Menu tasting with the caterer', start: { dateTime: '2027-08-19T12:00:00', timeZone: 'GMT Standard Time' }, end: { dateTime: '2027-08-19T13:30:00', timeZone: 'GMT Standard Time' }, location: { displayName: 'Fennel & Fig kitchen' } });
  const ceremonyRemoteId = (ceremony.body as { id: string }).id;
  const tastingRemoteId = (tasting.body as { id: string }).id;
  const cakeHref = `${calUrl}cake-tasting.ics`;
  await davPut(cakeHref, dav, ics('cake-tasting-sam-alex@bench.calsync', 'Cake tasting — Sam & Alex', '2027-08-20', '1100', '1200', 'Sugar & Spice bakery'));
  const receptionHref = `${calUrl}reception.ics`;
  await davPut(receptionHref, dav, ics('reception-sam-alex@bench.calsync', 'Reception — Sam & Alex', WEDDING, '1700', '2330', 'Rye Lodge Gardens'));
  await davPut(`${calUrl}rehearsal.ics`, dav, ics('rehearsal-sam-alex@bench.calsync', 'Rehearsal dinner — Sam & Alex', '2027-09-17', '1900', '2100', 'The George'));

  const t = performance.now();
  b.serve = spawn(process.execPath, [join(ROOT, 'bin/calsync.js'), 'serve', '--port', String(port)], { cwd: ROOT, env, stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] });
  const exited = new Promise<never>((_, reject) => b.serve?.once('exit', (code) => reject(new Error(`calsync serve exited (${code})`))));
  exited.catch(() => undefined);
  const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, exited]);
  await race(until('calsync serve /readyz', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 60_000));
  say(`calsync serve up in ${Math.round(performance.now() - t)} ms (${base}, CalDAV poll ${CALDAV_POLL_S} s)`);

  // The first two-way sync (the poller starts it): 4 events on both sides, and the Graph subscription.
  const outlookEvent = async (id: string): Promise<{ subject?: string; location?: { displayName?: string } } | undefined> => {
    const res = await emu.admin.act(MAILBOX, 'GET', `/events/${id}?$select=subject,location`);
    return res.status === 200 ? (res.body as { subject?: string; location?: { displayName?: string } }) : undefined;
  };
  const outlookEvents = async (): Promise<{ id: string; subject: string }[]> => ((await emu.admin.act(MAILBOX, 'GET', '/events?$top=100&$select=subject')).body as { value: { id: string; subject: string }[] }).value;
  const outlookIdOf = async (prefix: string): Promise<string> => {
    const id = (await outlookEvents()).find((e) => e.subject.startsWith(prefix))?.id;
    if (!id) throw new Error(`no Outlook event "${prefix}…"`);
    return id;
  };
  const davHrefOf = async (prefix: string): Promise<string> => {
    for (const href of await davHrefs(calUrl, dav)) if (unfold((await davGet(href, dav)).body).includes(`SUMMARY:${prefix}`)) return href;
    throw new Error(`no CalDAV resource "${prefix}…"`);
  };
  await race(until('the first sync', async () => ((await davHrefs(calUrl, dav)).length >= SEEDED && (await outlookEvents()).length >= SEEDED ? true : undefined), 60_000));
  await race(until('the Graph subscription', async () => (emu.admin.subscriptions().length > 0 ? true : undefined), 30_000));
  const critical: Pair = { outlookId: ceremonyRemoteId, outlookCopyHref: await davHrefOf('Ceremony'), davHref: receptionHref, davCopyOutlookId: await outlookIdOf('Reception') };
  const routine: Pair = { outlookId: tastingRemoteId, outlookCopyHref: await davHrefOf('Menu tasting'), davHref: cakeHref, davCopyOutlookId: await outlookIdOf('Cake tasting') };
  say(`first two-way sync done in ${Math.round(performance.now() - t)} ms; ${emu.admin.subscriptions().length} Graph subscription(s)`);
  await sleep(2_000);

  /** `n` rounds on one pair of events, alternating directions, one change in flight at a time. */
  const measureRounds = async (label: string, n: number, pair: Pair): Promise<{ o2c: number[]; c2o: number[]; failures: string[] }> => {
    const o2c: number[] = [];
    const c2o: number[] = [];
    const failures: string[] = [];
    for (let round = 1; round <= n; round += 1) {
      const tag = `${label[0] ?? 'x'}${String(round).padStart(3, '0')}`;
      // Outlook → CalDAV.
      {
        const marker = `o2c-${tag} Chapel`;
        const t0 = performance.now();
        const res = await emu.admin.act(MAILBOX, 'PATCH', `/events/${pair.outlookId}`, { location: { displayName: marker } });
        if (res.status !== 200) throw new Error(`emulator PATCH: HTTP ${res.status}`);
        const ms = await arrival(t0, async () => unfold((await davGet(pair.outlookCopyHref, dav)).body).includes(`LOCATION:${marker}`));
        if (ms === undefined) failures.push(`${label} outlook→caldav round ${round}`);
        else o2c.push(ms);
      }
      // CalDAV → Outlook. Every sync of the CalDAV calendar (the write-back just done included) restarts its
      // 1 s poll clock, so a fixed gap would always land at the same poll phase: spread it deterministically.
      await sleep(GAP_MS + ((round * 373) % 1000));
      {
        const marker = `c2o-${tag} Orangery`;
        let t0 = 0;
        for (let attempt = 0; ; attempt += 1) {
          const current = await davGet(pair.davHref, dav);
          t0 = performance.now();
          const status = await davPut(pair.davHref, dav, setLocation(current.body, marker), current.etag);
          if (status < 300) break;
          if (status !== 412 || attempt >= 5) throw new Error(`Radicale PUT: HTTP ${status}`);
        }
        const ms = await arrival(t0, async () => (await outlookEvent(pair.davCopyOutlookId))?.location?.displayName === marker);
        if (ms === undefined) failures.push(`${label} caldav→outlook round ${round}`);
        else c2o.push(ms);
      }
      await sleep(GAP_MS);
      if (round % 10 === 0 || round === n) say(`${label} round ${round}/${n}: outlook→caldav p50 ${Math.round(percentile(o2c, 50))} ms, caldav→outlook p50 ${Math.round(percentile(c2o, 50))} ms, failures ${failures.length}`);
    }
    return { o2c, c2o, failures };
  };

  const { o2c, c2o, failures } = await measureRounds('critical', ROUNDS, critical);
  const low = ROUTINE_ROUNDS > 0 ? await measureRounds('routine', ROUTINE_ROUNDS, routine) : { o2c: [], c2o: [], failures: [] };

  const r = (n: number): number => Math.round(n);
  const params = {
    changesPerDirection: ROUNDS, transport: 'loopback (emulator HTTPS, webhook HTTP, Radicale HTTP)', webhooks: true, caldavPollIntervalS: CALDAV_POLL_S, pollTick: 'derived (200 ms for a 1 s interval)',
    probeMs: PROBE_MS, timeoutMs: ROUND_TIMEOUT_MS, process: 'calsync serve child (HTTP + in-process workers, SQLite, embedded queue)',
    failures: failures.length, failed: failures, outlookToCaldavMaxMs: r(Math.max(...o2c)), caldavToOutlookMaxMs: r(Math.max(...c2o)),
    measuredEvents: 'Ceremony (Outlook) / Reception (CalDAV): wedding-critical kinds, high priority',
    routineChangesPerDirection: ROUTINE_ROUNDS, routineEvents: 'Menu tasting (Outlook) / Cake tasting (CalDAV): low priority', routineFailures: low.failures,
  };
  const metrics = {
    outlook_to_caldav_p50_ms: r(percentile(o2c, 50)),
    outlook_to_caldav_p99_ms: r(percentile(o2c, 99)),
    caldav_to_outlook_p50_ms: r(percentile(c2o, 50)),
    caldav_to_outlook_p99_ms: r(percentile(c2o, 99)),
  };
  const result = benchResult('e2e', params, [
    { metric: 'outlook_to_caldav_p50_ms', unit: 'ms', value: metrics.outlook_to_caldav_p50_ms, target: '< 2000 ms' },
    { metric: 'outlook_to_caldav_p99_ms', unit: 'ms', value: metrics.outlook_to_caldav_p99_ms, target: '< 5000 ms' },
    { metric: 'caldav_to_outlook_p50_ms', unit: 'ms', value: metrics.caldav_to_outlook_p50_ms, target: '< 2000 ms' },
    { metric: 'caldav_to_outlook_p99_ms', unit: 'ms', value: metrics.caldav_to_outlook_p99_ms, target: '< 5000 ms' },
    { metric: 'failures', unit: 'changes', value: failures.length, target: '0 (30 s per change)' },
    ...(ROUTINE_ROUNDS > 0
      ? [
          { metric: 'routine_outlook_to_caldav_p50_ms', unit: 'ms', value: r(percentile(low.o2c, 50)) },
          { metric: 'routine_outlook_to_caldav_p99_ms', unit: 'ms', value: r(percentile(low.o2c, 99)) },
          { metric: 'routine_caldav_to_outlook_p50_ms', unit: 'ms', value: r(percentile(low.c2o, 50)) },
          { metric: 'routine_caldav_to_outlook_p99_ms', unit: 'ms', value: r(percentile(low.c2o, 99)) },
          { metric: 'routine_failures', unit: 'changes', value: low.failures.length },
        ]
      : []),
  ]);
  writeBenchResult({ ...result, ...metrics } as typeof result);
  if (failures.length + low.failures.length > 0) say(`not arrived within ${ROUND_TIMEOUT_MS / 1000} s: ${[...failures, ...low.failures].join(', ')}`);
  copyFileSync(logFile, join(ROOT, 'bench/results/e2e-serve.log'));
  say('serve log: bench/results/e2e-serve.log');
}
