/**
 * The campaign's world, all on loopback: a fresh store (a new PostgreSQL database + its own Redis key
 * prefix, or SQLite in a temp dir), a real Radicale with one calendar, the Graph emulator with one
 * mailbox (in-process, HTTPS), optionally a fault proxy in front of each, and calsync configured to talk
 * to them: both calendars connected two-way (Outlook through the real OAuth flow against the emulator or
 * its proxy), an API key for the hub client. Then the calsync processes: `serve --no-workers` + N
 * `worker`s, or one embedded `serve`. Everything is registered for cleanup as it is made.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createGraphEmulator, type GraphEmulator } from '../../src/emulator/graph/index.js';
import { generateCertificate } from '../../src/emulator/graph/tls.js';
import { openRuntime } from '../../src/runtime.js';
import { connectCalDav } from '../../src/service/connect.js';
import { connectOutlook } from '../../src/service/outlook/connect-outlook.js';
import { createTestDatabase } from '../../test/support/pg.js';
import { freePort, mkcalendar, startRadicale, type DavServer } from '../../test/support/radicale.js';
import { REDIS_URL, deleteKeysByPrefix, uniquePrefix } from '../../test/support/redis.js';
import { onCleanup } from './cleanup.js';
import { DavClient } from './dav-client.js';
import { FaultProxy } from './fault-proxy.js';
import { HubClient } from './hub-client.js';
import { OutlookClient } from './outlook-client.js';
import { CalsyncProcess } from './processes.js';
import type { Rng } from './rng.js';

export const MAILBOX = 'studio@campaign.example';
const DAV_USER = 'planner';
const DAV_PASSWORD = 'campaign';

export interface WorldOptions {
  /** SQLite + in-process workers in one `calsync serve` (the default set-up) instead of PostgreSQL + Redis. */
  embedded: boolean;
  workers: number;
  /** Fault proxies in front of Radicale and the emulator, injecting on this share of requests once enabled. */
  faultRate?: number;
  rng: Rng;
  keep: boolean;
  say: (line: string) => void;
}

export interface World {
  dataDir: string;
  logDir: string;
  store: string;
  emulator: GraphEmulator;
  radicale: DavServer;
  calendarUrl: string;
  proxies: FaultProxy[];
  hub: HubClient;
  outlook: OutlookClient;
  dav: DavClient;
  integrationIds: string[];
  serve: CalsyncProcess;
  workers: CalsyncProcess[];
  /** The processes a crash campaign may kill: the workers, or the embedded serve. */
  victims: CalsyncProcess[];
  all: CalsyncProcess[];
}

/** The campaign talks to loopback only: refuse a PostgreSQL or Redis URL (from the environment) elsewhere. */
function assertLoopback(what: string, url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))) throw new Error(`${what} ${url} is not on loopback; the campaign only talks to loopback addresses`);
}

export async function buildWorld(opts: WorldOptions): Promise<World> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-campaign-'));
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir);
  onCleanup('temp dir', () => {
    if (opts.keep) opts.say(`kept ${dataDir} (logs in ${logDir})`);
    else rmSync(dataDir, { recursive: true, force: true });
  });

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'CALSYNC_REDIS_PREFIX', 'CALSYNC_SECRET_KEY', 'CALSYNC_PUBLIC_URL']) delete env[k];
  let store = 'SQLite + embedded queue';
  if (!opts.embedded) {
    assertLoopback('REDIS_URL', REDIS_URL);
    assertLoopback('CALSYNC_TEST_PG_URL', process.env['CALSYNC_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    const db = await createTestDatabase('calsync_campaign');
    onCleanup('PostgreSQL database', () => db.drop());
    const prefix = uniquePrefix('campaign');
    onCleanup('Redis keys', async () => void (await deleteKeysByPrefix(prefix)));
    Object.assign(env, { DATABASE_URL: db.url, REDIS_URL, CALSYNC_REDIS_PREFIX: prefix });
    store = `PostgreSQL ${new URL(db.url).pathname.slice(1)} + Redis prefix ${prefix}`;
  }

  const tls = await generateCertificate(['127.0.0.1']);
  const caFile = join(dataDir, 'graph-ca.pem');
  writeFileSync(caFile, tls.cert);
  const emulator = await createGraphEmulator({ tls, users: [{ userPrincipalName: MAILBOX, displayName: 'Campaign Studio' }] });
  onCleanup('Graph emulator', () => emulator.close());
  const radicale = await startRadicale();
  onCleanup('Radicale', () => radicale.stop());
  const calendarUrl = await mkcalendar(radicale.url, DAV_USER, 'weddings', 'Weddings');

  const proxies: FaultProxy[] = [];
  let davUrl = radicale.url;
  let graphUrl = emulator.url;
  if (opts.faultRate !== undefined) {
    const davProxy = new FaultProxy({ name: 'radicale', upstream: radicale.url, rate: opts.faultRate, rng: opts.rng.fork() });
    const graphProxy = new FaultProxy({ name: 'graph', upstream: emulator.url, tls, rate: opts.faultRate, rng: opts.rng.fork(), graphErrors: true });
    for (const p of [davProxy, graphProxy]) {
      await p.start();
      onCleanup(`fault proxy ${p.url}`, () => p.close());
      proxies.push(p);
    }
    davUrl = `${davProxy.url}/`;
    graphUrl = graphProxy.url;
  }

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  Object.assign(env, {
    CALSYNC_DATA_DIR: dataDir,
    CALSYNC_ALLOW_PRIVATE_URLS: '1',
    CALSYNC_SECRET_KEY: randomBytes(32).toString('hex'),
    CALSYNC_PUBLIC_URL: base,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_EXTRA_CA_CERTS: caFile,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });

  // Connect both calendars in this process (the same code the CLI runs), then hand over to the children.
  const runtime = await openRuntime(loadConfig(env));
  let apiKey: string;
  let integrationIds: string[];
  try {
    const { store: s, clock } = runtime;
    const tenant = await s.tenants.ensureDefault();
    const outlook = await connectOutlook({ store: s, clock }, tenant.id, { graphUrl, ca: tls.cert, name: 'Campaign Outlook', loginHint: MAILBOX });
    const caldav = await connectCalDav({ store: s, clock }, tenant.id, { kind: 'caldav', url: davUrl, username: DAV_USER, password: DAV_PASSWORD, name: 'Campaign Radicale', allowPrivate: true });
    if (outlook.calendars.length !== 1 || caldav.calendars.length !== 1) throw new Error(`expected one calendar each, got Outlook ${outlook.calendars.length}, CalDAV ${caldav.calendars.length}`);
    for (const c of outlook.calendars) await s.calendars.update(tenant.id, c.id, { direction: 'two_way', enabled: true });
    for (const c of caldav.calendars) await s.calendars.update(tenant.id, c.id, { direction: 'two_way', enabled: true, pollIntervalS: 2 });
    apiKey = (await s.apiKeys.create(tenant.id, 'campaign')).key;
    integrationIds = [outlook.integration.id, caldav.integration.id];
  } finally {
    await runtime.close();
  }

  const serve = new CalsyncProcess({ name: 'serve', args: ['serve', '--port', String(port), ...(opts.embedded ? [] : ['--no-workers'])], env, logDir, readyUrl: `${base}/readyz` });
  const workers = opts.embedded
    ? []
    : Array.from({ length: opts.workers }, (_, i) => new CalsyncProcess({ name: `worker-${i + 1}`, args: ['worker', '--concurrency', '4'], env, logDir, readyLine: 'calsync worker started' }));
  const all = [serve, ...workers];
  for (const p of all) onCleanup(`calsync ${p.spec.name}`, () => p.close());

  return {
    dataDir,
    logDir,
    store,
    emulator,
    radicale,
    calendarUrl,
    proxies,
    hub: new HubClient(base, apiKey),
    outlook: new OutlookClient(emulator, MAILBOX),
    dav: new DavClient(calendarUrl, DAV_USER, DAV_PASSWORD),
    integrationIds,
    serve,
    workers,
    victims: opts.embedded ? [serve] : workers,
    all,
  };
}

/** Starts every calsync process and waits until each is ready. */
export async function startCalsync(world: World): Promise<void> {
  for (const p of world.all) p.start();
  for (const p of world.all) if (!(await p.ready())) throw new Error(`calsync ${p.spec.name} did not become ready (log: ${p.logFile})`);
}
