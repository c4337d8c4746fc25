/**
 * The calsync side of the CalDAV benchmark, in its own process (forked with an IPC channel), so its
 * peak RSS is that of one calsync process and is measured like vdirsyncer's: the kernel's maximum
 * resident set size (getrusage `ru_maxrss`, which is also what `/usr/bin/time -v` prints).
 *
 * It runs the real path a calsync worker runs: a fresh SQLite store in a data dir, `connectCalDav`
 * (discovery, integration and calendars saved), the provider from the `ProviderRegistry` (as the
 * workers build it from stored credentials), then `syncCalendar` on request — the process stays up
 * between syncs, as the service does.
 *
 * Messages: `{ op: 'connect', ... }` → `ConnectResult`; `{ op: 'sync' }` → `WorkerSyncResult`;
 * `{ op: 'exit' }`. Answers are `{ ok: true, result }` or `{ ok: false, error }`.
 */
import type { ProviderRegistry } from '../../src/service/providers.js';
import type { Store } from '../../src/store/types.js';
import type { SyncDeps, SyncReport } from '../../src/sync/engine.js';

/*
 * Workaround for a calsync bug, applied before calsync's modules load. Importing the npm `undici` (7.x,
 * via the providers' guarded fetch) installs its own Agent as the *legacy* global dispatcher when none
 * is set yet, and Node 20's built-in fetch — which `DavClient` uses when private addresses are allowed,
 * as for a server on loopback — then drives undici 7's Agent with undici 6's handlers. With a large
 * response under load the worker died with `AssertionError: assert(!this.paused)` in
 * undici/lib/dispatcher/client-h1.js (onHttpSocketEnd), an uncatchable crash. One built-in fetch first
 * makes Node install its own dispatcher, which undici 7 then leaves alone.
 */
await fetch('data:,calsync').then((r) => r.text());
const { connectCalDav } = await import('../../src/service/connect.js');
const { ProviderRegistry: Registry } = await import('../../src/service/providers.js');
const { openStore } = await import('../../src/store/open.js');
const { syncCalendar } = await import('../../src/sync/engine.js');
const { systemClock } = await import('../../src/util/clock.js');

export interface ConnectRequest {
  op: 'connect';
  serverUrl: string;
  calendarUrl: string;
  username: string;
  password: string;
  dataDir: string;
}

export type WorkerRequest = ConnectRequest | { op: 'sync' } | { op: 'exit' };

export interface WorkerSyncResult {
  /** Wall-clock time of `syncCalendar` in this process. */
  seconds: number;
  requests: number;
  listing: SyncReport['listing'];
  hub: SyncReport['hub'];
  remote: SyncReport['remote'];
  linked: number;
  echoes: number;
  errors: string[];
  problems: number;
  phases: SyncReport['phases'];
  /** This process's peak RSS so far (MB). */
  maxRssMb: number;
  rssMb: number;
}

export type WorkerAnswer = { ok: true; result: unknown } | { ok: false; error: string };

interface Session {
  store: Store;
  registry: ProviderRegistry;
  deps: SyncDeps;
  target: { tenantId: string; calendarId: string };
}

let session: Session | undefined;

export interface ConnectResult {
  calendars: number;
  /** RSS once connected, before any sync: node, tsx, calsync's modules, the open store (MB). */
  rssMb: number;
}

async function connect(req: ConnectRequest): Promise<ConnectResult> {
  const store = await openStore({ dataDir: req.dataDir, clock: systemClock });
  const tenant = await store.tenants.ensureDefault();
  const { integration, calendars } = await connectCalDav({ store, clock: systemClock }, tenant.id, {
    kind: 'caldav',
    url: req.serverUrl,
    username: req.username,
    password: req.password,
    name: 'bench',
    allowPrivate: true,
  });
  const calendar = calendars.find((c) => c.remoteId === req.calendarUrl);
  if (!calendar) throw new Error(`discovery did not find ${req.calendarUrl} (found ${calendars.map((c) => c.remoteId).join(', ')})`);
  const registry = new Registry({ store, clock: systemClock, allowPrivateUrls: true });
  const provider = await registry.forIntegration(integration);
  session = { store, registry, deps: { store, provider, clock: systemClock }, target: { tenantId: tenant.id, calendarId: calendar.id } };
  return { calendars: calendars.length, rssMb: process.memoryUsage().rss / 1_048_576 };
}

async function sync(): Promise<WorkerSyncResult> {
  if (!session) throw new Error('connect first');
  const started = performance.now();
  const report = await syncCalendar(session.deps, session.target);
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    requests: report.requests,
    listing: report.listing,
    hub: report.hub,
    remote: report.remote,
    linked: report.linked,
    echoes: report.echoes,
    errors: report.errors.slice(0, 5).map((e) => e.message),
    problems: report.problems.length,
    phases: report.phases,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssMb: process.memoryUsage().rss / 1_048_576,
  };
}

async function close(): Promise<void> {
  if (!session) return;
  await session.registry.close();
  await session.store.close();
  session = undefined;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect':
      return connect(req);
    case 'sync':
      return sync();
    case 'exit':
      await close();
      return { maxRssMb: process.resourceUsage().maxRSS / 1024 };
  }
}

if (process.send) {
  // One request at a time: the parent waits for each answer before sending the next.
  process.on('message', (req: WorkerRequest) => {
    handle(req).then(
      (result) => {
        process.send?.({ ok: true, result } satisfies WorkerAnswer, () => {
          if (req.op === 'exit') process.disconnect();
        });
      },
      (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerAnswer),
    );
  });
  process.send({ ok: true, result: 'ready' } satisfies WorkerAnswer);
}
