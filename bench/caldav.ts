/**
 * CalDAV: calsync vs vdirsyncer on one Radicale on loopback, same data, same run, reported as ratios
 * (issue "Apple Calendar (iCloud) and CalDAV").
 *
 * - One Radicale 3 (Debian, default configuration) with its storage in a temp dir; one calendar with N
 *   deterministic wedding-business events (`CALSYNC_BENCH_EVENTS`, default 10,000), one resource each
 *   (see support/radicale-seed.ts for how it is seeded fast).
 * - Radicale is warmed before either tool is timed: its item cache and its first sync-token over the
 *   fresh collection (seconds per 1,000 items) are computed while seeding, so neither tool pays for
 *   them. The costs of the raw requests on the warm server are reported: the server's own floor.
 * - vdirsyncer 0.19 (Debian): pair CalDAV ⇄ filesystem folder of .ics, run as `vdirsyncer sync`, each
 *   run a process under `/usr/bin/time -v` (wall time, peak RSS).
 * - calsync: a worker process (SQLite file store, `connectCalDav`, the provider the workers build,
 *   `syncCalendar`), kept up between syncs as the service keeps it; its sync time is measured inside
 *   the process, its peak RSS is the kernel's ru_maxrss (what `/usr/bin/time -v` prints). The process
 *   start (node + tsx + modules) is reported separately.
 * - Initial import (both empty), no-change sync, then rounds of 10 events edited on the server by raw
 *   PUTs (another client): edits made once, then both tools sync the same server state; the tool that
 *   goes first alternates every repetition. Medians over the repetitions.
 *
 * `--server radicale|cyrus|davical` (default radicale): the server both tools sync with. Cyrus IMAP 3.6
 * and DAViCal 1.1 are the test suite's private instances (test/support/cyrus.ts, davical.ts), seeded
 * over HTTP (support/http-seed.ts) and warmed the same way; their figures go to caldav-SERVER.json so
 * they can be set beside Radicale's.
 *
 * Env: CALSYNC_BENCH_EVENTS (10000), CALSYNC_BENCH_REPS (3: no-change and 10-change rounds),
 * CALSYNC_BENCH_INITIAL_REPS (2), CALSYNC_BENCH_TIMEOUT_S (900: per sync, either tool, then killed).
 * Writes bench/results/caldav.json.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBinary, type DavServer } from '../test/support/radicale.js';
import { benchResult, writeBenchResult, type BenchMetric, type BenchResult } from './result.js';
import { BENCH_SEED, benchEvent, benchEvents, editIndices, editMarker, editedEvent, resourceIcal } from './support/caldav-data.js';
import { calendarQuery, ctagOnlyPropfind, ctagPropfind, etagPropfind, hrefsByUid, memberCount, putResource, syncCollection, syncTokenOf, type DavAccount } from './support/dav.js';
import type { WorkerSyncResult } from './support/calsync-worker.js';
import { startSeededRadicale } from './support/radicale-seed.js';
import { startSeededOverHttp } from './support/http-seed.js';
import { CalsyncWorker, GNU_TIME, killAll, localFiles, VDIRSYNCER, vdirsyncerDiscover, vdirsyncerSync, writeVdirsyncerConfig, type ProcessRun, type VdirsyncerSetup } from './support/processes.js';

const EVENTS = positiveInt('CALSYNC_BENCH_EVENTS', 10_000);
const REPS = positiveInt('CALSYNC_BENCH_REPS', 3);
const INITIAL_REPS = positiveInt('CALSYNC_BENCH_INITIAL_REPS', 2);
const TIMEOUT_MS = positiveInt('CALSYNC_BENCH_TIMEOUT_S', 900) * 1000;
const CHANGES = 10;
const SERVERS = ['radicale', 'cyrus', 'davical'] as const;
type ServerName = (typeof SERVERS)[number];
const SERVER_LABEL: Record<ServerName, string> = {
  radicale: 'Radicale 3.1.8 (Debian) on loopback, default config, filesystem storage, auth none; seeded and warmed (item cache, first sync-token) before timing',
  cyrus: 'Cyrus IMAP 3.6.1 CalDAV (Debian cyrus-imapd + cyrus-caldav) on loopback, private instance (test/support/cyrus.ts), sasldb auth; seeded by PUT, warmed (calendar-query, first sync-token) before timing',
  davical: 'DAViCal 1.1.12 (Debian) on PostgreSQL 127.0.0.1, php -S with 4 workers (test/support/davical.ts); seeded by PUT, warmed (calendar-query, first sync-token) before timing',
};

/** `--server NAME` from the command line (`npm run bench -- caldav --server cyrus`). */
function serverOption(argv: readonly string[]): ServerName {
  const at = argv.indexOf('--server');
  const inline = argv.find((a) => a.startsWith('--server='))?.slice('--server='.length);
  const value = inline ?? (at >= 0 ? argv[at + 1] : undefined) ?? 'radicale';
  if (!(SERVERS as readonly string[]).includes(value)) throw new Error(`--server must be one of ${SERVERS.join(', ')}, got "${value}"`);
  return value as ServerName;
}
const USER = 'bench';
const PASSWORD = 'bench-password';
const COLLECTION = 'weddings';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** vdirsyncer / calsync per repetition (each pair measured side by side). */
function pairedRatios(p: Pairing): number[] {
  return p.calsync.map((c, i) => Number(((p.vdirsyncer[i] ?? 0) / c).toFixed(1)));
}

const log = (line: string): void => {
  process.stdout.write(`[caldav ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};
const s = (seconds: number): string => (seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toFixed(2)} s`);

interface Pairing {
  vdirsyncer: number[];
  calsync: number[];
}

interface Fixture {
  root: string;
  server: DavServer;
  account: DavAccount;
  /** UID → href of every resource on the server. */
  hrefs: Map<string, string>;
  workers: CalsyncWorker[];
}

/** Warms the server and times its raw requests (the server's own floor). */
async function warm(fixture: Fixture, floor: Record<string, number>, server: ServerName): Promise<void> {
  const { account } = fixture;

  // The benchmark server's first requests (its caches were built while seeding), and the hrefs to edit.
  const coldQuery = await calendarQuery(account);
  fixture.hrefs = hrefsByUid(coldQuery.body);
  if (fixture.hrefs.size !== EVENTS) throw new Error(`calendar-query listed ${fixture.hrefs.size} resources, expected ${EVENTS}`);
  const coldSync = await syncCollection(account, '');
  const coldPropfind = await etagPropfind(account);
  const coldCtag = await ctagPropfind(account);
  log(
    `first requests on the benchmark server (paid by neither tool): calendar-query ${s(coldQuery.seconds)}, first sync-collection ${s(coldSync.seconds)}, ` +
      `PROPFIND Depth 1 ${s(coldPropfind.seconds)}, CTag ${s(coldCtag.seconds)}`,
  );

  // The floor on the warm server: the requests each tool's syncs are made of, by plain fetch.
  const ctag: number[] = [];
  const ctagOnly: number[] = [];
  const query: number[] = [];
  const delta: number[] = [];
  const token = syncTokenOf(coldSync.body);
  for (let i = 0; i < 3; i += 1) {
    ctag.push((await ctagPropfind(account)).seconds);
    ctagOnly.push((await ctagOnlyPropfind(account)).seconds);
    delta.push((await syncCollection(account, token)).seconds);
  }
  query.push((await calendarQuery(account)).seconds);
  const propfind = await etagPropfind(account);
  const members = memberCount(propfind.body, new URL(account.calendarUrl).pathname);
  if (members !== EVENTS) throw new Error(`PROPFIND Depth 1 listed ${members} members, expected ${EVENTS}`);
  floor[`${server}_ctag_propfind_s`] = median(ctag);
  floor[`${server}_ctag_only_propfind_s`] = median(ctagOnly);
  floor[`${server}_sync_collection_s`] = median(delta);
  floor[`${server}_calendar_query_s`] = median(query);
  floor[`${server}_propfind_depth1_s`] = propfind.seconds;
  log(
    `server floor (warm, raw fetch): CTag + sync-token PROPFIND ${s(median(ctag))} (CTag alone ${s(median(ctagOnly))}), sync-collection with a token ${s(median(delta))}, ` +
      `calendar-query with data ${s(median(query))}, PROPFIND Depth 1 getetag ${s(propfind.seconds)}`,
  );
}

function checkCalsync(result: WorkerSyncResult, what: string): void {
  if (result.errors.length > 0) throw new Error(`calsync ${what}: ${result.errors.length} errors, first: ${result.errors[0]}`);
  const wrote = result.remote.created + result.remote.updated + result.remote.deleted;
  if (wrote > 0) log(`note: calsync ${what} wrote ${wrote} items back to the server (${JSON.stringify(result.remote)})`);
}

async function startCalsync(fixture: Fixture, name: string, startSeconds: number[], idleRss: number[]): Promise<CalsyncWorker> {
  const { worker, startSeconds: started } = await CalsyncWorker.start(TIMEOUT_MS);
  fixture.workers.push(worker);
  startSeconds.push(started);
  const dataDir = join(fixture.root, name);
  mkdirSync(dataDir, { recursive: true });
  const connected = await worker.connect({ serverUrl: fixture.server.url, calendarUrl: fixture.account.calendarUrl, username: USER, password: PASSWORD, dataDir });
  idleRss.push(connected.rssMb);
  return worker;
}

async function startVdirsyncer(fixture: Fixture, name: string): Promise<VdirsyncerSetup> {
  const dir = join(fixture.root, name);
  mkdirSync(dir, { recursive: true });
  const setup = writeVdirsyncerConfig(dir, fixture.server.url, COLLECTION, USER, PASSWORD);
  await vdirsyncerDiscover(setup, TIMEOUT_MS);
  return setup;
}

/** Runs `a` and `b`, `a` first when `aFirst`. */
async function inOrder(aFirst: boolean, a: () => Promise<void>, b: () => Promise<void>): Promise<void> {
  if (aFirst) {
    await a();
    await b();
  } else {
    await b();
    await a();
  }
}

export async function run(argv: readonly string[] = process.argv.slice(3)): Promise<BenchResult> {
  const serverName = serverOption(argv);
  ensureBinary(VDIRSYNCER, 'vdirsyncer');
  ensureBinary(GNU_TIME, 'time');
  const loadStart = loadavg()[0] ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'calsync-bench-caldav-'));
  const cleanupOnSignal = (): void => process.exit(130); // runs the exit handlers: children and Radicale killed
  process.once('SIGINT', cleanupOnSignal);
  process.once('SIGTERM', cleanupOnSignal);
  const removeRoot = (): void => rmSync(root, { recursive: true, force: true });
  process.once('exit', removeRoot);
  let server: DavServer | undefined;
  const fixture = { root, workers: [] as CalsyncWorker[], hrefs: new Map<string, string>() } as Partial<Fixture> as Fixture;
  try {
    const seeded =
      serverName === 'radicale'
        ? await startSeededRadicale(root, USER, PASSWORD, COLLECTION, benchEvents(EVENTS))
        : await startSeededOverHttp(serverName, USER, PASSWORD, COLLECTION, benchEvents(EVENTS));
    const icsBytes = seeded.bytes;
    server = seeded.server;
    fixture.server = server;
    fixture.account = seeded.account;
    log(
      `${serverName} at ${server.url}: ${EVENTS} events (seed ${BENCH_SEED}, ${(icsBytes / 1_048_576).toFixed(1)} MB of iCalendar, one resource each) written in ` +
        `${s(seeded.seconds.files)}; its first calendar-query took ${s(seeded.seconds.itemCache)} and its first sync-token ` +
        `${s(seeded.seconds.firstSyncToken)} (before timing: paid by neither tool)`,
    );
    log(`${INITIAL_REPS} initial imports and ${REPS} no-change / ${CHANGES}-change rounds per tool`);
    const floor: Record<string, number> = {
      [`${serverName}_seed_item_cache_s`]: seeded.seconds.itemCache,
      [`${serverName}_seed_first_sync_token_s`]: seeded.seconds.firstSyncToken,
    };
    await warm(fixture, floor, serverName);

    const startSeconds: number[] = [];
    const idleRss: number[] = [];
    const vdirRss: number[] = [];
    const calsyncRss: number[] = [];
    const noteVdir = (r: ProcessRun): number => {
      if (r.maxRssMb !== undefined) vdirRss.push(r.maxRssMb);
      return r.seconds;
    };
    const noteCalsync = (r: WorkerSyncResult): number => {
      calsyncRss.push(r.maxRssMb);
      return r.seconds;
    };

    // ── initial import ───────────────────────────────────────────────────────────────────────────────
    const initial: Pairing = { vdirsyncer: [], calsync: [] };
    const initialPhases: WorkerSyncResult['phases'][] = [];
    let vdir: VdirsyncerSetup | undefined;
    let calsync: CalsyncWorker | undefined;
    for (let rep = 0; rep < INITIAL_REPS; rep += 1) {
      const setup = await startVdirsyncer(fixture, `vdirsyncer-${rep}`);
      const worker = await startCalsync(fixture, `calsync-${rep}`, startSeconds, idleRss);
      await inOrder(
        rep % 2 === 0,
        async () => {
          const r = await vdirsyncerSync(setup, TIMEOUT_MS);
          const { files } = localFiles(setup);
          if (files !== EVENTS) throw new Error(`vdirsyncer initial sync left ${files} files, expected ${EVENTS}`);
          initial.vdirsyncer.push(noteVdir(r));
          log(`initial import #${rep + 1}: vdirsyncer ${s(r.seconds)} (${files} files, peak RSS ${r.maxRssMb?.toFixed(0)} MB)`);
        },
        async () => {
          const r = await worker.sync();
          checkCalsync(r, 'initial import');
          if (r.hub.created !== EVENTS) throw new Error(`calsync initial import created ${r.hub.created} hub events, expected ${EVENTS}`);
          initial.calsync.push(noteCalsync(r));
          initialPhases.push(r.phases);
          log(
            `initial import #${rep + 1}: calsync ${s(r.seconds)} (${r.hub.created} events, ${r.requests} requests, ` +
              `observe ${r.phases.observeMs} ms, plan ${r.phases.planMs} ms, execute ${r.phases.executeMs} ms, peak RSS ${r.maxRssMb.toFixed(0)} MB)`,
          );
        },
      );
      // The last pair carries on; earlier ones are done.
      if (calsync) calsyncRss.push((await calsync.stop()) ?? 0);
      vdir = setup;
      calsync = worker;
    }
    if (!vdir || !calsync) throw new Error('no initial import ran');
    const vdirSetup = vdir;
    const worker = calsync;

    // ── no-change sync ───────────────────────────────────────────────────────────────────────────────
    const noop: Pairing = { vdirsyncer: [], calsync: [] };
    const noopRequests: number[] = [];
    const noopFloor: number[] = [];
    for (let rep = 0; rep < REPS; rep += 1) {
      await inOrder(
        rep % 2 === 1,
        async () => {
          const r = await vdirsyncerSync(vdirSetup, TIMEOUT_MS);
          noop.vdirsyncer.push(noteVdir(r));
          log(`no-change #${rep + 1}: vdirsyncer ${s(r.seconds)}`);
        },
        async () => {
          const r = await worker.sync();
          checkCalsync(r, 'no-change sync');
          if (r.listing !== 'unchanged') log(`note: calsync no-change sync listed "${r.listing}", expected "unchanged"`);
          noop.calsync.push(noteCalsync(r));
          noopRequests.push(r.requests);
          log(`no-change #${rep + 1}: calsync ${s(r.seconds)} (${r.requests} request, listing ${r.listing})`);
        },
      );
      // The server's floor for the same round: calsync's one request (CTag + sync-token PROPFIND) by raw fetch.
      const raw = await ctagPropfind(fixture.account);
      noopFloor.push(raw.seconds);
      log(`no-change #${rep + 1}: server floor (raw CTag + sync-token PROPFIND) ${s(raw.seconds)}`);
    }

    // ── 10 events changed on the server by another client ────────────────────────────────────────────
    const incremental: Pairing = { vdirsyncer: [], calsync: [] };
    const incrementalRequests: number[] = [];
    const editSeconds: number[] = [];
    for (let rep = 0; rep < REPS; rep += 1) {
      const started = performance.now();
      for (const i of editIndices(rep, CHANGES, EVENTS)) {
        const event = benchEvent(i);
        const href = fixture.hrefs.get(event.uid);
        if (!href) throw new Error(`no resource for ${event.uid}`);
        await putResource(fixture.account, href, resourceIcal(editedEvent(event, rep)));
      }
      editSeconds.push((performance.now() - started) / 1000);
      await inOrder(
        rep % 2 === 0,
        async () => {
          const r = await vdirsyncerSync(vdirSetup, TIMEOUT_MS);
          const { marked } = localFiles(vdirSetup, editMarker(rep));
          if (marked !== CHANGES) throw new Error(`vdirsyncer picked up ${marked} of ${CHANGES} edits in round ${rep + 1}`);
          incremental.vdirsyncer.push(noteVdir(r));
          log(`${CHANGES} changed #${rep + 1}: vdirsyncer ${s(r.seconds)}`);
        },
        async () => {
          const r = await worker.sync();
          checkCalsync(r, `${CHANGES}-change sync`);
          if (r.hub.updated !== CHANGES) throw new Error(`calsync updated ${r.hub.updated} hub events in round ${rep + 1}, expected ${CHANGES}`);
          incremental.calsync.push(noteCalsync(r));
          incrementalRequests.push(r.requests);
          log(`${CHANGES} changed #${rep + 1}: calsync ${s(r.seconds)} (${r.requests} requests, listing ${r.listing}, ${r.hub.updated} hub events updated)`);
        },
      );
    }
    calsyncRss.push((await worker.stop()) ?? 0);

    const pair = (metric: string, p: Pairing, target: string): BenchMetric => {
      const value = median(p.calsync);
      const peerValue = median(p.vdirsyncer);
      return { metric, unit: 's', value, peer: 'vdirsyncer', peerValue, ratio: peerValue / value, target };
    };
    const peakCalsync = Math.max(...calsyncRss);
    const peakVdir = vdirRss.length > 0 ? Math.max(...vdirRss) : undefined;
    const loadEnd = loadavg()[0] ?? 0;
    const results: BenchMetric[] = [
      pair('initial_import_s', initial, '>= 10x faster'),
      pair('noop_sync_s', noop, '>= 50x faster'),
      pair('incremental_10_s', incremental, '>= 20x faster'),
      { metric: 'noop_requests', unit: 'requests', value: Math.max(...noopRequests), target: '<= 1' },
      { metric: 'incremental_10_requests', unit: 'requests', value: Math.max(...incrementalRequests), target: '<= 4' },
      { metric: 'peak_rss_mb', unit: 'MB', value: peakCalsync, ...(peakVdir === undefined ? {} : { peer: 'vdirsyncer', peerValue: peakVdir }), target: '< 250' },
      { metric: 'calsync_idle_rss_mb', unit: 'MB', value: median(idleRss) },
      { metric: 'noop_server_floor_s', unit: 's', value: median(noopFloor) },
      { metric: 'calsync_process_start_s', unit: 's', value: median(startSeconds) },
      { metric: 'initial_observe_ms', unit: 'ms', value: median(initialPhases.map((p) => p.observeMs)) },
      { metric: 'initial_plan_ms', unit: 'ms', value: median(initialPhases.map((p) => p.planMs)) },
      { metric: 'initial_execute_ms', unit: 'ms', value: median(initialPhases.map((p) => p.executeMs)) },
      ...Object.entries(floor).map(([metric, value]) => ({ metric, unit: 's', value })),
    ];
    return writeBenchResult(
      benchResult(
        serverName === 'radicale' ? 'caldav' : `caldav-${serverName}`,
        {
          events: EVENTS,
          changes: CHANGES,
          reps: REPS,
          initialReps: INITIAL_REPS,
          seed: BENCH_SEED,
          icsBytes,
          server: SERVER_LABEL[serverName],
          peer: 'vdirsyncer 0.19 (Debian): caldav ⇄ filesystem (.ics), conflict_resolution "a wins", -v WARNING, one process per sync (wall time)',
          calsync: 'worker process: SQLite file store, connectCalDav + ProviderRegistry + syncCalendar; sync time measured in the process (process start reported apart)',
          statistic: 'median over repetitions; tool order alternated; ratio = vdirsyncer / calsync',
          peakRss: 'kernel ru_maxrss of each process (calsync: process.resourceUsage, vdirsyncer: /usr/bin/time -v), max over runs',
          loadavg1: { start: Number(loadStart.toFixed(1)), end: Number(loadEnd.toFixed(1)) },
          pairedRatios: { initial: pairedRatios(initial), noop: pairedRatios(noop), incremental: pairedRatios(incremental) },
          samples: { initial, noop, incremental, noopServerFloor: noopFloor, noopRequests, incrementalRequests, editSeconds, calsyncProcessStartS: startSeconds, calsyncIdleRssMb: idleRss, vdirsyncerRssMb: vdirRss, calsyncRssMb: calsyncRss },
        },
        results,
      ),
    );
  } finally {
    await Promise.all(fixture.workers.map((w) => w.stop().catch(() => undefined)));
    killAll();
    await server?.stop();
    removeRoot();
    process.removeListener('exit', removeRoot);
    process.removeListener('SIGINT', cleanupOnSignal);
    process.removeListener('SIGTERM', cleanupOnSignal);
  }
}
