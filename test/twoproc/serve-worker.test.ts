/**
 * Two processes, the deployment shape for scale-out: `calsync serve --no-workers` (HTTP, API, /ws) and
 * `calsync worker` (jobs), started as real child processes against one PostgreSQL database and one
 * Redis (a unique prefix). A sync started through the API runs in the worker; its progress reaches the
 * WebSocket of the serve process through the Redis status bus. Then both stop gracefully on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { Cluster, ceremonyIcs, davPutIcs } from './cluster.js';

const EVENTS = 12;

let radicale: DavServer;
let cluster: Cluster;

beforeAll(async () => {
  [cluster, radicale] = await Promise.all([Cluster.create({ RADICALE_PW: 'x' }), startRadicale()]);
  const collection = await mkcalendar(radicale.url, 'alice', 'weddings', 'Weddings');
  for (let i = 0; i < EVENTS; i += 1) await davPutIcs(`${collection}e${i}.ics`, 'alice', ceremonyIcs(`twoproc-${i}@example.com`, `202709${10 + i}`));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([cluster?.destroy(), radicale?.stop()]);
});

describe('calsync serve + calsync worker on PostgreSQL and Redis', () => {
  it('runs an API-started sync in the worker and streams its progress to the WebSocket', async () => {
    await cluster.cli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'RADICALE_PW', '--allow-private', '--name', 'Studio');
    const { key } = JSON.parse(await cluster.cli('apikey', 'create', 'default', '--json')) as { key: string };

    const port = await freePort();
    const metricsPort = await freePort();
    const serve = cluster.start('serve', 'serve', '--no-workers', '--port', String(port));
    const worker = cluster.start('worker', 'worker', '--no-poll', '--metrics-port', String(metricsPort));
    const base = `http://127.0.0.1:${port}`;
    // Ready when each process says so (its start-up line), however long that takes on a loaded machine.
    await Promise.all([cluster.logged(serve, 'calsync is serving'), cluster.logged(worker, 'calsync worker started')]);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    // Subscribe first, then start the sync.
    const live = await cluster.live(base, key);
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const integrations = (await (await fetch(`${base}/api/v1/integrations`, { headers: auth })).json()) as { id: string; name: string }[];
    const studio = integrations.find((i) => i.name === 'Studio');
    expect(studio).toBeDefined();
    const enqueued = await fetch(`${base}/api/v1/integrations/${studio!.id}/sync`, { method: 'POST', headers: auth, body: '{}' });
    expect(enqueued.status).toBe(202);
    const { jobs } = (await enqueued.json()) as { jobs: { jobId: string; calendarId: string }[] };
    const first = jobs[0];
    expect(first).toBeDefined();

    const completed = await cluster.until('completed on the WebSocket', () => live.messages.find((m) => m.type === 'completed' && m.calendarId === first!.calendarId));
    const types = live.messages.filter((m) => m.calendarId === first!.calendarId).map((m) => m.type);
    expect(types[0]).toBe('started');
    expect(types).toContain('in_progress');
    const lastProgress = live.messages.filter((m) => m.type === 'in_progress').at(-1);
    expect(lastProgress?.counts).toMatchObject({ created: EVENTS, total: EVENTS, processed: EVENTS });
    expect(completed.summary?.hub.created).toBe(EVENTS);
    live.close();

    // The worker ran the job (its log carries the job id as correlation id); serve ran no jobs at all.
    const jobLine = await cluster.until('the job to end in the worker', () => worker.log().split('\n').find((l) => l.includes(first!.jobId) && l.includes('"msg":"job completed"')));
    expect(JSON.parse(jobLine)).toMatchObject({ jobId: first!.jobId, jobType: 'sync.calendar' });
    expect(serve.log()).not.toContain('job completed');

    // The API reads the result the worker wrote: health shows a successful sync.
    const health = (await (await fetch(`${base}/api/v1/health`, { headers: auth })).json()) as { integrations: { name: string; healthy: boolean }[] };
    expect(health.integrations.find((i) => i.name === 'Studio')).toMatchObject({ healthy: true });

    // The sync was measured where it ran: the worker's own /metrics.
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(scraped).toContain('calsync_sync_duration_seconds_count{provider="caldav",outcome="success"} 1');

    // Graceful shutdown: both exit 0 on SIGTERM.
    expect(await Promise.all([serve.stop(), worker.stop()])).toEqual([0, 0]);
  }, 120_000);
});
