/**
 * A calsync deployment for the WedSync-contract test and `npm run bench -- feed`: the Graph emulator
 * (HTTPS, change notifications on), Radicale on loopback, a SQLite data dir, Outlook connected through the
 * real OAuth flow and CalDAV through `connectCalDav` (both two-way), an API key, and `calsync serve` as a
 * child process that can be killed with SIGKILL and started again on the same data. Seeded with a
 * ceremony in Outlook and a reception in Radicale.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { davPut } from '../../bench/support/e2e-dav.js';
import { loadConfig } from '../../src/config.js';
import { createGraphEmulator, type GraphEmulator } from '../../src/emulator/graph/index.js';
import { openRuntime } from '../../src/runtime.js';
import { connectCalDav } from '../../src/service/connect.js';
import { connectOutlook } from '../../src/service/outlook/connect-outlook.js';
import { freePort, mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const MAILBOX = 'studio@bloomandvow.example';
export const DAV = { user: 'planner', password: 'contract' };

export interface Deployment {
  base: string;
  apiKey: string;
  tenantId: string;
  emulator: GraphEmulator;
  radicale: DavServer;
  calendarUrl: string;
  outlookCalendarId: string;
  davCalendarId: string;
  dataDir: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  /** Starts `calsync serve` (again) and waits until it is ready. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown hook runs. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function ics(uid: string, summary: string, day: string, from: string, to: string, location: string): string {
  const d = day.replaceAll('-', '');
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//calsync test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T090000Z',
    `DTSTART:${d}T${from}00Z`, `DTEND:${d}T${to}00Z`, `SUMMARY:${summary}`, `LOCATION:${location}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

/** `davPollS`: the CalDAV calendar's poll interval (the poller ticks faster for short ones). */
export async function startDeployment(opts: { davPollS: number }): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-contract-'));
  const emulator = await createGraphEmulator({ users: [{ userPrincipalName: MAILBOX, displayName: 'Bloom & Vow Studio' }] });
  const radicale = await startRadicale();
  const caFile = join(dataDir, 'graph-emulator-ca.pem');
  writeFileSync(caFile, emulator.caCert ?? '');
  const calendarUrl = await mkcalendar(radicale.url, DAV.user, 'weddings', 'Weddings');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CALSYNC_DATA_DIR: dataDir,
    CALSYNC_ALLOW_PRIVATE_URLS: '1',
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: caFile,
    CALSYNC_PUBLIC_URL: base,
    LOG_LEVEL: 'info',
  };
  const runtime = await openRuntime(loadConfig(env));
  const { store, clock } = runtime;
  const tenant = await store.tenants.ensureDefault();
  const outlook = await connectOutlook({ store, clock }, tenant.id, { graphUrl: emulator.url, ca: emulator.caCert, name: 'Studio Outlook', loginHint: MAILBOX });
  const caldav = await connectCalDav({ store, clock }, tenant.id, { kind: 'caldav', url: radicale.url, username: DAV.user, password: DAV.password, name: 'Planner CalDAV', allowPrivate: true });
  const outlookCal = outlook.calendars[0];
  const davCal = caldav.calendars[0];
  if (!outlookCal || !davCal) throw new Error('expected an Outlook and a CalDAV calendar');
  await store.calendars.update(tenant.id, outlookCal.id, { direction: 'two_way', enabled: true });
  await store.calendars.update(tenant.id, davCal.id, { direction: 'two_way', enabled: true, pollIntervalS: opts.davPollS });
  const apiKey = (await store.apiKeys.create(tenant.id, 'wedsync')).key;
  await runtime.close();

  await emulator.admin.act(MAILBOX, 'POST', '/events', {
    subject: 'Ceremony — Sam & Alex',
    start: { dateTime: '2027-09-18T14:00:00', timeZone: 'UTC' },
    end: { dateTime: '2027-09-18T15:00:00', timeZone: 'UTC' },
    location: { displayName: "St Mary's Church" },
  });
  await davPut(`${calendarUrl}reception.ics`, DAV, ics('reception-sam-alex@contract.calsync', 'Reception — Sam & Alex', '2027-09-18', '1700', '2300', 'Rye Lodge Gardens'));

  const logFile = join(dataDir, 'serve.log');
  let child: ChildProcess | undefined;
  const exit = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));
  const deployment: Deployment = {
    base,
    apiKey,
    tenantId: tenant.id,
    emulator,
    radicale,
    calendarUrl,
    outlookCalendarId: outlookCal.id,
    davCalendarId: davCal.id,
    dataDir,
    logFile,
    env,
    async start() {
      const proc = spawn(process.execPath, [join(ROOT, 'bin/calsync.js'), 'serve', '--port', String(port)], { cwd: ROOT, env, stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')] });
      child = proc;
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`calsync serve exited (${proc.exitCode})`);
        const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
        if (ready) return;
        if (Date.now() > deadline) throw new Error('calsync serve did not become ready');
        await sleep(100);
      }
    },
    async kill() {
      if (!child) return;
      const c = child;
      c.kill('SIGKILL');
      await exit(c);
    },
    async stop() {
      if (!child) return;
      const c = child;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
      await exit(c);
      clearTimeout(timer);
    },
    async close() {
      await deployment.stop();
      await Promise.allSettled([radicale.stop(), emulator.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return deployment;
}
