/**
 * `npm run bench -- webhook`: the Graph notification endpoint under load from a second process
 * (autocannon), against a bare Fastify route answering 202 on the same machine, alternating, in one run.
 *
 * The endpoint does all its real work per request: parse and schema-check the body, verify the
 * subscription id and clientState (constant time), look up the priority of the named event, and
 * durably enqueue a coalesced delta-sync job in the SQLite file store before answering 202. Data:
 * 50 subscribed calendars, 500 distinct event ids, fixed seed; each request names one calendar.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { openQueue } from '../src/queue/open.js';
import { buildApp } from '../src/server/app.js';
import { newSubscriptionKey, sealClientState, writeRecord } from '../src/service/outlook/subscription-record.js';
import { notificationUrl } from '../src/service/outlook/webhook-urls.js';
import { openStore } from '../src/store/open.js';
import { benchResult, writeBenchResult } from './result.js';

const CALENDARS = 50;
const EVENT_IDS = 500;
const DURATION_S = 5;
const CONNECTIONS = 32;
const REPETITIONS = 5;

interface LoadResult {
  ok: number;
  other: number;
  errors: number;
  durationS: number;
  p50: number;
  p99: number;
}

/** Runs autocannon in a child process; `targets` are [path, body] pairs it cycles through pseudo-randomly. */
function load(url: string, targetsFile: string): Promise<LoadResult> {
  const script = `
    import autocannon from 'autocannon';
    import { readFileSync } from 'node:fs';
    const targets = JSON.parse(readFileSync(process.env.TARGETS, 'utf8'));
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const result = await autocannon({
      url: process.env.URL, connections: ${CONNECTIONS}, duration: ${DURATION_S},
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' },
        setupRequest: (req) => { const [path, body] = targets[next() % targets.length]; return { ...req, path, body }; } }],
    });
    process.stdout.write(JSON.stringify({ ok: result['2xx'], other: result.non2xx, errors: result.errors + result.timeouts,
      durationS: result.duration, p50: result.latency.p50, p99: result.latency.p99 }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, URL: url, TARGETS: targetsFile }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`autocannon exited ${code}`))));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-bench-webhook-'));
  // A file database, as `calsync serve` runs it: "accepted" means committed to disk.
  const store = await openStore({ dataDir, secretKey: '33'.repeat(32) });
  const queue = await openQueue({ db: store.db, dialect: store.dialect });
  const tenant = await store.tenants.ensureDefault();
  const credentials = { subscriptionKey: newSubscriptionKey() };
  const integration = await store.integrations.create(tenant.id, {
    provider: 'outlook',
    name: 'bench',
    config: { graphUrl: 'https://graph.invalid/v1.0', authority: 'https://login.invalid/common', clientId: 'c', redirectUri: 'http://127.0.0.1/cb' },
    credentials,
  });
  const targets: [string, string][] = [];
  for (let i = 0; i < CALENDARS; i += 1) {
    const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: `cal-${i}`, name: `Calendar ${i}`, enabled: true });
    const clientState = `client-state-${i}-${'x'.repeat(32)}`;
    const url = notificationUrl('http://127.0.0.1', tenant.id, calendar.id);
    await writeRecord(store, tenant.id, calendar.id, { subscriptionId: `sub-${i}`, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), clientState: sealClientState(credentials, calendar.id, clientState), notificationUrl: url });
    for (let j = 0; j < EVENT_IDS / CALENDARS; j += 1) {
      const id = `AAMkEvent-${i}-${j}`;
      const body = { value: [{ subscriptionId: `sub-${i}`, subscriptionExpirationDateTime: '2026-12-01T00:00:00Z', clientState, changeType: 'updated', resource: `Users/u/Events/${id}`, tenantId: 't', resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/u/Events/${id}`, '@odata.etag': 'W/"1"', id } }] };
      targets.push([url.slice('http://127.0.0.1'.length), JSON.stringify(body)]);
    }
  }

  const targetsFile = join(dataDir, 'targets.json');
  writeFileSync(targetsFile, JSON.stringify(targets));
  const app = await buildApp({ store, queue });
  const webhookUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify();
  bare.post('/*', async (_req, reply) => reply.code(202).send());
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  const samples = { webhook: [] as LoadResult[], bare: [] as LoadResult[] };
  try {
    for (let r = 0; r < REPETITIONS; r += 1) {
      samples.bare.push(await load(bareUrl, targetsFile));
      samples.webhook.push(await load(webhookUrl, targetsFile));
      const w = samples.webhook.at(-1)!;
      const b = samples.bare.at(-1)!;
      process.stdout.write(`rep ${r + 1}: webhook ${Math.round(w.ok / w.durationS)}/s p99 ${w.p99} ms (non-2xx ${w.other}, errors ${w.errors}); bare ${Math.round(b.ok / b.durationS)}/s\n`);
    }
    const counts = await queue.counts();
    const jobs = counts.waiting + counts.delayed;
    if (samples.webhook.some((s) => s.other > 0 || s.errors > 0)) throw new Error('the webhook answered non-2xx or failed under load');
    if (jobs !== CALENDARS) throw new Error(`expected one coalesced pending job per calendar (${CALENDARS}), found ${jobs}`);

    const accepted = median(samples.webhook.map((s) => s.ok / s.durationS));
    const p99 = median(samples.webhook.map((s) => s.p99));
    const bareRate = median(samples.bare.map((s) => s.ok / s.durationS));
    // Side by side on a shared machine: each webhook run is compared with the bare run just before it,
    // and the median of those ratios is reported (the ratio of the medians is kept in params).
    const ratio = median(samples.webhook.map((w, i) => w.ok / w.durationS / ((samples.bare[i]?.ok ?? 1) / (samples.bare[i]?.durationS ?? 1))));
    const result = benchResult(
        'webhook',
        { calendars: CALENDARS, eventIds: EVENT_IDS, durationS: DURATION_S, connections: CONNECTIONS, repetitions: REPETITIONS, store: 'sqlite file', pendingJobsAfter: jobs, ratioOfMedians: Number((accepted / bareRate).toFixed(3)), samples },
        [
          { metric: 'accepted_per_s', unit: 'req/s', value: Math.round(accepted), peer: 'bare Fastify 202', peerValue: Math.round(bareRate), ratio: Number(ratio.toFixed(3)), target: '>= 5000/s, >= 0.4x bare' },
          { metric: 'p99_ms', unit: 'ms', value: p99, target: '< 50 ms' },
          { metric: 'bare_route_per_s', unit: 'req/s', value: Math.round(bareRate) },
          { metric: 'ratio_to_bare', unit: 'x', value: Number(ratio.toFixed(3)), target: '>= 0.4' },
        ],
    );
    // The headline numbers also at the top level, under the names the issue uses.
    writeBenchResult({ ...result, accepted_per_s: Math.round(accepted), p99_ms: p99, bare_route_per_s: Math.round(bareRate), ratio_to_bare: Number(ratio.toFixed(3)) } as typeof result);
  } finally {
    await app.close();
    await bare.close();
    await queue.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
