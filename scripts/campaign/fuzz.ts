/**
 * The fuzz campaign (issue 10): ≥ 10,000 malformed requests to calsync's HTTP edge — the REST API with
 * and without a valid key or session, the Graph and WebDAV-Push webhooks, the `/ws` WebSocket, raw
 * socket garbage — and ≥ 1,000 hostile CalDAV/Graph responses from a loopback server to calsync's real
 * providers (DOCTYPE/entities, broken XML, huge multistatus, trickled bytes, gzip bombs, broken
 * iCalendar, wrong content types, odd statuses, paging loops).
 *
 * The app is the one `calsync serve` builds, started in-process on 127.0.0.1 over an SQLite store with
 * a seeded tenant; rate limits are raised so the requests reach the validators (the limits themselves
 * are tested in test/server/edge-security.test.ts). Counted:
 * - crashes: uncaught exceptions, unhandled rejections, a provider failing with an untyped error or
 *   returning a local file's content, the server not answering `/healthz` afterwards;
 * - 5xx: answers ≥ 500;
 * - store changes: any difference in the store's tables before and after (API keys' last-used stamps
 *   aside) — every request is built to be refused;
 * - hangs: requests or provider calls with no outcome within the limit.
 *
 * Prints `fuzz campaign: N requests, C crashes, F 5xx, S store changes, H hangs` and exits non-zero
 * unless C, F, S and H are all 0. Bounded in count and time: `npx tsx scripts/campaign/fuzz.ts
 * [--requests N] [--responses N] [--seconds S] [--seed N] [--postgres]`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { request } from 'undici';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import { openQueue } from '../../src/queue/open.js';
import { buildApp } from '../../src/server/app.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { systemClock } from '../../src/util/clock.js';
import { createTestDatabase } from '../../test/support/pg.js';
import { fuzzInbound, type InboundTally } from './fuzz/inbound.js';
import { fuzzProviders, type ProviderTally } from './fuzz/providers.js';

export interface FuzzOptions {
  /** Malformed requests to the HTTP edge (default 10,000). */
  requests?: number;
  /** Hostile responses served to the providers (default 1,000). */
  responses?: number;
  /** Wall-clock budget for the whole campaign (default 270 s: the default run takes ~2 min on a loaded 2-core machine); both parts stop at their share. */
  timeBudgetMs?: number;
  seed?: number;
  /** The store to attack (default an in-memory SQLite database); a `postgres://` URL of an empty database. */
  databaseUrl?: string;
  /** Per request / provider call limit before it counts as a hang (default 15 s / 30 s). */
  requestTimeoutMs?: number;
  caseTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FuzzReport {
  requests: number;
  providerResponses: number;
  crashes: number;
  fiveXx: number;
  storeChanges: number;
  hangs: number;
  peakRssMb: number;
  durationS: number;
  inbound: InboundTally;
  providers: ProviderTally;
  crashSamples: string[];
  storeDiff: string[];
}

export function summaryLine(r: FuzzReport): string {
  return `fuzz campaign: ${r.requests + r.providerResponses} requests, ${r.crashes} crashes, ${r.fiveXx} 5xx, ${r.storeChanges} store changes, ${r.hangs} hangs`;
}

export function passed(r: FuzzReport): boolean {
  return r.crashes === 0 && r.fiveXx === 0 && r.storeChanges === 0 && r.hangs === 0;
}

/** Every table's rows, hashed per table (volatile columns dropped). */
async function fingerprint(store: SqlStore): Promise<Map<string, string>> {
  const tables =
    store.dialect === 'postgres'
      ? await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`.execute(store.db)
      : await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`.execute(store.db);
  const out = new Map<string, string>();
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(store.db);
    const lines = rows.rows
      .map((row) => {
        const { last_used_at: _lastUsed, ...rest } = row;
        return JSON.stringify(rest, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : typeof v === 'bigint' ? v.toString() : v));
      })
      .sort();
    out.set(name, createHash('sha256').update(lines.join('\n')).digest('hex'));
  }
  return out;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).map((n) => `table ${n} changed`);
}

async function routesOf(baseUrl: string): Promise<{ method: string; path: string }[]> {
  const res = await request(`${baseUrl}/docs/json`);
  const doc = (await res.body.json()) as { paths: Record<string, Record<string, unknown>> };
  const routes: { method: string; path: string }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1')) continue;
    for (const method of Object.keys(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      // Signing out would only end the campaign's own session.
      if (method === 'delete' && path === '/api/v1/session') continue;
      routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

export async function runFuzzCampaign(opts: FuzzOptions = {}): Promise<FuzzReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const budget = opts.timeBudgetMs ?? 270_000;
  const seed = opts.seed ?? 10;
  const crashSamples: string[] = [];
  let crashes = 0;
  const onCrash = (kind: string) => (err: unknown) => {
    crashes += 1;
    if (crashSamples.length < 20) crashSamples.push(`${kind}: ${err instanceof Error ? (err.stack ?? err.message).slice(0, 300) : String(err)}`);
  };
  const onException = onCrash('uncaught exception');
  const onRejection = onCrash('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-fuzz-'));
  const store = await openStore({ databaseUrl: opts.databaseUrl ?? 'sqlite::memory:', dataDir });
  const queue = await openQueue({ db: store.db, dialect: store.dialect });
  const bus = new MemoryStatusBus();
  const calendars = new MemoryCalendarServer({ clock: systemClock, seed });
  const providers = new ProviderRegistry({ store, clock: systemClock, allowPrivateUrls: false });
  providers.register('memory', (integration) => new MemoryProvider(calendars, { account: String(integration.config.account) }));
  const app = await buildApp({ store, queue, providers, statusBus: bus, rateLimits: { failuresPerIp: 1e9, perKey: 1e9 } });
  try {
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    // A tenant with data to protect: an integration, a calendar, hub events, a second tenant.
    const tenant = await store.tenants.create('fuzz-studio');
    const { key } = await store.apiKeys.create(tenant.id, 'fuzz');
    const other = await store.tenants.create('fuzz-other');
    await store.apiKeys.create(other.id, 'other');
    const integration = await store.integrations.create(tenant.id, { provider: 'memory', name: 'Studio', config: { account: 'studio' }, credentials: {} });
    const remote = calendars.addCalendar({ account: 'studio', name: 'Weddings' });
    await store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true });
    for (const title of ['Ceremony', 'Reception', 'Tasting']) {
      await store.events.put(tenant.id, { event: { uid: `fuzz-${title}`, title, start: { kind: 'utc', utc: '2026-08-15T14:00:00Z' }, end: { kind: 'utc', utc: '2026-08-15T15:00:00Z' }, attendees: [], categories: [], sequence: 0, overrides: [], wedding: { kind: 'other', kindSource: 'inferred' } }, source: 'api' });
    }
    const signIn = await request(`${baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
    await signIn.body.dump();
    const setCookie = signIn.headers['set-cookie'];
    const sessionCookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;
    const routes = await routesOf(baseUrl);
    const before = await fingerprint(store);
    log(`fuzz: ${store.dialect} store, ${routes.length} API routes; sending ${opts.requests ?? 10_000} malformed requests to ${baseUrl}`);

    const inbound = await fuzzInbound({ baseUrl, key, sessionCookie, routes }, { count: opts.requests ?? 10_000, seed, concurrency: 8, timeoutMs: opts.requestTimeoutMs ?? 15_000, deadline: started + budget * 0.6 });
    log(`fuzz: inbound done: ${inbound.requests} requests, statuses ${JSON.stringify(Object.fromEntries([...inbound.byStatus].sort((a, b) => a[0] - b[0])))}`);

    const health = await request(`${baseUrl}/healthz`, { headersTimeout: 5_000, bodyTimeout: 5_000 }).then(
      async (r) => {
        await r.body.dump();
        return r.statusCode;
      },
      () => 0,
    );
    if (health !== 200) onCrash('server down')(new Error(`/healthz answered ${health} after the inbound fuzz`));
    const after = await fingerprint(store);
    const storeDiff = diff(before, after);

    log(`fuzz: serving ≥ ${opts.responses ?? 1_000} hostile responses to the CalDAV and Graph providers`);
    const providerTally = await fuzzProviders({ responses: opts.responses ?? 1_000, minCases: Math.ceil((opts.responses ?? 1_000) / 4), seed, concurrency: 4, caseTimeoutMs: opts.caseTimeoutMs ?? 30_000, deadline: started + budget });
    crashes += providerTally.crashes;
    crashSamples.push(...providerTally.samples.filter((s) => !s.includes(' hang ')).slice(0, 10));

    return {
      requests: inbound.requests,
      providerResponses: providerTally.responses,
      crashes,
      fiveXx: inbound.fiveXx,
      storeChanges: storeDiff.length,
      hangs: inbound.hangs + providerTally.hangs,
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      durationS: Math.round((Date.now() - started) / 1000),
      inbound,
      providers: providerTally,
      crashSamples,
      storeDiff,
    };
  } finally {
    clearInterval(sampler);
    await app.close();
    await providers.close();
    await bus.close();
    await queue.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  }
}

/**
 * Old-space heap the campaign runs in (MB). Every hostile case's memory is bounded by the byte caps
 * (32 MiB read whole, 16 Mi characters of text per XML element), but with V8's default heap limit the
 * garbage of finished cases piles up to ~800 MB before it is collected, so the peak RSS measured the
 * collector's laziness, not what calsync holds. Same work, same speed, in a heap of this size.
 */
const HEAP_MB = 384;

/** Runs the campaign in a child with `--max-old-space-size` unless one was given; resolves with its exit code. */
function inBoundedHeap(): Promise<number> | undefined {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('--max-old-space-size'));
  if (given || !process.argv[1]) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${HEAP_MB}`, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 2 : 0))));
}

async function main(): Promise<void> {
  const child = inBoundedHeap();
  if (child) process.exit(await child);
  const { values } = parseArgs({ options: { requests: { type: 'string' }, responses: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, postgres: { type: 'boolean' } } });
  // `--postgres`: a fresh database on the local PostgreSQL (127.0.0.1:5432, as the tests use), dropped afterwards.
  const pg = values.postgres ? await createTestDatabase('calsync_fuzz') : undefined;
  const report = await runFuzzCampaign({
    ...(pg ? { databaseUrl: pg.url } : {}),
    ...(values.requests ? { requests: Number(values.requests) } : {}),
    ...(values.responses ? { responses: Number(values.responses) } : {}),
    ...(values.seconds ? { timeBudgetMs: Number(values.seconds) * 1000 } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
  });
  await pg?.drop();
  const p = report.providers;
  process.stdout.write(
    [
      `inbound: ${report.requests} requests (${report.inbound.cutOff} cut off by the server), ${report.inbound.fiveXx} 5xx, ${report.inbound.hangs} hangs`,
      `providers: ${p.cases} cases, ${p.responses} hostile responses: ${p.succeeded} read, ${p.typedRefusals} refused with a typed error, ${p.crashes} untyped/leaks, ${p.hangs} hangs`,
      `peak RSS ${report.peakRssMb} MB, ${report.durationS} s`,
      ...report.inbound.samples5xx.map((s) => `  5xx: ${s}`),
      ...report.inbound.samplesHang.map((s) => `  hang: ${s}`),
      ...report.crashSamples.map((s) => `  crash: ${s}`),
      ...p.samples.filter((s) => s.includes(' hang ')).map((s) => `  hang: ${s}`),
      ...report.storeDiff.map((s) => `  store: ${s}`),
      summaryLine(report),
      '',
    ].join('\n'),
  );
  process.exit(passed(report) ? 0 : 1);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`fuzz campaign failed to run: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  });
}
