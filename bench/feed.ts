/**
 * `npm run bench -- feed`: how fast an Outlook change appears in the change feed. A `calsync serve` child
 * process (SQLite, in-process workers, Graph change notifications on) with Outlook (the Graph emulator)
 * and a CalDAV calendar (Radicale) connected; a client follows `GET /api/v1/changes?wait=30` (long poll,
 * through `src/client`). Each round edits the ceremony's location in Outlook as another client
 * (`emu.admin.act`, which sends the change notification) and times until the long poll answers with that
 * change: from the moment the emulator started posting the notification to calsync (its delivery log),
 * and from the edit. One change in flight at a time; FEED_BENCH_ROUNDS rounds (default 60).
 * Writes bench/results/feed.json.
 */
import { CalsyncClient, type Change } from '../src/client/index.js';
import { MAILBOX, startDeployment, type Deployment } from '../test/contract/deployment.js';
import { benchResult, writeBenchResult } from './result.js';

const ROUNDS = Number(process.env.FEED_BENCH_ROUNDS ?? 60);
const ROUND_TIMEOUT_MS = 10_000;
/** Between rounds: the write-back of the previous change to Radicale settles first. */
const GAP_MS = 400;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export async function run(): Promise<void> {
  const say = (line: string): void => void process.stdout.write(`  ${line}\n`);
  // CalDAV polled every minute: the Outlook path is what is measured.
  const d: Deployment = await startDeployment({ davPollS: 60 });
  const stop = new AbortController();
  let following: Promise<void> = Promise.resolve();
  try {
    await d.start();
    const client = new CalsyncClient({ baseUrl: d.base, apiKey: d.apiKey, retryDelayMs: 50 });
    const arrivals: { change: Change; atMs: number }[] = [];
    following = (async () => {
      for await (const change of client.followChanges({ wait: 30, signal: stop.signal })) arrivals.push({ change, atMs: Date.now() });
    })();
    const ceremony = await until('the ceremony imported', async () => arrivals.find((a) => a.change.event.title.startsWith('Ceremony'))?.change);
    await until('the ceremony in both calendars', async () => ((await client.getEvent(ceremony.eventId)).sync.filter((s) => s.status === 'synced').length === 2 ? true : undefined));
    await until('the Graph subscription', async () => (d.emulator.admin.subscriptions().length > 0 ? true : undefined));
    const outlookId = ((await d.emulator.admin.act(MAILBOX, 'GET', '/events?$select=subject')).body as { value: { id: string; subject: string }[] }).value.find((e) => e.subject.startsWith('Ceremony'))?.id;
    if (!outlookId) throw new Error('no ceremony in Outlook');
    await sleep(1_000);

    const fromNotification: number[] = [];
    const fromEdit: number[] = [];
    const notificationPostMs: number[] = [];
    const failures: string[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const marker = `Chapel ${String(round).padStart(3, '0')}`;
      const deliveriesBefore = d.emulator.admin.deliveries().length;
      const t0 = Date.now();
      const res = await d.emulator.admin.act(MAILBOX, 'PATCH', `/events/${outlookId}`, { location: { displayName: marker } });
      if (res.status !== 200) throw new Error(`emulator PATCH: HTTP ${res.status}`);
      const arrival = await until(`round ${round}`, async () => arrivals.find((a) => a.change.eventId === ceremony.eventId && a.change.event.location === marker), ROUND_TIMEOUT_MS).catch(() => undefined);
      const delivery = d.emulator.admin.deliveries().slice(deliveriesBefore).find((r) => r.outcome === 'delivered');
      if (!arrival || !delivery) {
        failures.push(`round ${round}: ${arrival ? 'no notification delivered' : 'not in the feed'}`);
      } else {
        fromNotification.push(arrival.atMs - delivery.atMs);
        fromEdit.push(arrival.atMs - t0);
        if (delivery.elapsedMs !== undefined) notificationPostMs.push(delivery.elapsedMs);
      }
      await sleep(GAP_MS);
      if (round % 10 === 0 || round === ROUNDS) say(`round ${round}/${ROUNDS}: from notification p50 ${Math.round(percentile(fromNotification, 50))} ms, p99 ${Math.round(percentile(fromNotification, 99))} ms; failures ${failures.length}`);
    }
    const r = (n: number): number => Math.round(n);
    const metrics = {
      notification_to_feed_p50_ms: r(percentile(fromNotification, 50)),
      notification_to_feed_p99_ms: r(percentile(fromNotification, 99)),
      edit_to_feed_p50_ms: r(percentile(fromEdit, 50)),
      edit_to_feed_p99_ms: r(percentile(fromEdit, 99)),
    };
    const result = benchResult(
      'feed',
      {
        rounds: ROUNDS,
        measured: fromNotification.length,
        failures,
        process: 'calsync serve child (HTTP + in-process workers, SQLite, embedded queue), Graph emulator (HTTPS) posting change notifications, Radicale connected (60 s poll)',
        client: 'src/client followChanges, long poll wait=30',
        notificationPostP50Ms: r(percentile(notificationPostMs, 50)),
        maxFromNotificationMs: r(Math.max(...fromNotification)),
      },
      [
        { metric: 'notification_to_feed_p50_ms', unit: 'ms', value: metrics.notification_to_feed_p50_ms, target: '< 300 ms' },
        { metric: 'notification_to_feed_p99_ms', unit: 'ms', value: metrics.notification_to_feed_p99_ms, target: '< 1000 ms' },
        { metric: 'edit_to_feed_p50_ms', unit: 'ms', value: metrics.edit_to_feed_p50_ms },
        { metric: 'edit_to_feed_p99_ms', unit: 'ms', value: metrics.edit_to_feed_p99_ms },
        { metric: 'failures', unit: 'changes', value: failures.length, target: '0' },
      ],
    );
    writeBenchResult({ ...result, ...metrics } as typeof result);
  } finally {
    stop.abort();
    await following;
    await d.close();
  }
}
