/**
 * `npm run bench -- outlook`: how long an edit made in Outlook takes to reach the hub, end to end on
 * loopback — emulator change → Graph notification → webhook → queued delta sync → hub updated.
 * 200 changes (20 events, each edited 10 times), one at a time, through the real service pieces: the
 * Graph emulator, the Fastify webhook, the SQL queue on a SQLite file, MSAL auth and the sync engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGraphEmulator } from '../src/emulator/graph/index.js';
import { openQueue } from '../src/queue/open.js';
import { buildApp } from '../src/server/app.js';
import { connectOutlook } from '../src/service/outlook/connect-outlook.js';
import { SubscriptionDirectory } from '../src/service/outlook/subscription-directory.js';
import { subscriptionManagerFor } from '../src/service/outlook/jobs.js';
import { ProviderRegistry } from '../src/service/providers.js';
import { jobHandlers } from '../src/service/workers.js';
import { openStore } from '../src/store/open.js';
import { systemClock } from '../src/util/clock.js';
import { benchResult, writeBenchResult } from './result.js';

const USER = 'adele@contoso.onmicrosoft.com';
const EVENTS = 20;
const EDITS_PER_EVENT = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

export async function run(): Promise<void> {
  const clock = systemClock;
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-bench-outlook-'));
  const emu = await createGraphEmulator({ clock });
  const store = await openStore({ dataDir, secretKey: '44'.repeat(32), clock });
  const queue = await openQueue({ db: store.db, dialect: store.dialect, clock });
  const providers = new ProviderRegistry({ store, clock, allowPrivateUrls: true });
  const directory = new SubscriptionDirectory(store, clock);
  const app = await buildApp({ store, queue, clock, subscriptionDirectory: directory });
  const publicUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const deps = { store, queue, providers, clock, publicUrl, subscriptionDirectory: directory };
  const worker = queue.work(jobHandlers(deps), { concurrency: 4 });
  const tenant = await store.tenants.ensureDefault();
  try {
    const { calendars } = await connectOutlook({ store, clock }, tenant.id, { graphUrl: emu.url, ca: emu.caCert ?? '', loginHint: USER });
    const calendar = calendars[0];
    if (!calendar) throw new Error('no calendar');
    const path = `/calendars/${calendar.remoteId}/events`;
    // The events exist (and are linked) before the measured edits start.
    const remoteIds: string[] = [];
    for (let i = 0; i < EVENTS; i += 1) {
      const res = await emu.admin.act(USER, 'POST', path, { subject: `Event ${i} v0`, start: { dateTime: '2026-12-05T10:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-12-05T11:00:00', timeZone: 'UTC' } });
      remoteIds.push((res.body as { id: string }).id);
    }
    await subscriptionManagerFor(deps)?.ensure(tenant.id, calendar.id);
    const hubIds: string[] = [];
    for (const remoteId of remoteIds) {
      for (;;) {
        const link = await store.links.getByRemote(tenant.id, calendar.id, remoteId);
        if (link) {
          hubIds.push(link.hubEventId);
          break;
        }
        await sleep(20);
      }
    }

    const latencies: number[] = [];
    for (let round = 1; round <= EDITS_PER_EVENT; round += 1) {
      for (let i = 0; i < EVENTS; i += 1) {
        const title = `Event ${i} v${round}`;
        const started = performance.now();
        await emu.admin.act(USER, 'PATCH', `/events/${remoteIds[i] ?? ''}`, { subject: title });
        for (;;) {
          const hub = await store.events.get(tenant.id, hubIds[i] ?? '');
          if (hub?.event.title === title) break;
          if (performance.now() - started > 30_000) throw new Error(`change ${title} did not reach the hub in 30 s`);
          await sleep(2);
        }
        latencies.push(performance.now() - started);
      }
    }
    const p50 = Math.round(percentile(latencies, 50));
    const p99 = Math.round(percentile(latencies, 99));
    const result = benchResult('outlook', { changes: latencies.length, events: EVENTS, editsPerEvent: EDITS_PER_EVENT, transport: 'loopback (emulator HTTPS, webhook HTTP)', maxMs: Math.round(Math.max(...latencies)) }, [
      { metric: 'propagation_p50_ms', unit: 'ms', value: p50, target: '< 500 ms' },
      { metric: 'propagation_p99_ms', unit: 'ms', value: p99, target: '< 2000 ms' },
    ]);
    writeBenchResult({ ...result, propagation_p50_ms: p50, propagation_p99_ms: p99 } as typeof result);
  } finally {
    await worker.stop(5_000);
    await app.close();
    await providers.close();
    await queue.close();
    await store.close();
    await emu.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
