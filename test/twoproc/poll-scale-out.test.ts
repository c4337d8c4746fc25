/**
 * Scale-out polling with no designated poller: two `calsync worker` processes, both polling, against one
 * PostgreSQL database and one Redis (the schedule is a sorted set there). Calendars on a real Radicale
 * are due every second. Every calendar keeps being synced (none is skipped), both processes claim polls,
 * and no calendar is ever synced by two workers at once — read from the workers' own logs: each sync's
 * job runs from `time - durationMs` to `time` (one machine, one clock), and per calendar those spans
 * must not overlap. No timing is asserted: the test waits until enough syncs have happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { Cluster, type Child } from './cluster.js';

const CALENDARS = 8;
/** Syncs each calendar must have had before the run is judged. */
const SYNCS_EACH = 4;

let radicale: DavServer;
let cluster: Cluster;

beforeAll(async () => {
  [cluster, radicale] = await Promise.all([Cluster.create({ RADICALE_PW: 'x', LOG_LEVEL: 'debug' }), startRadicale()]);
  for (let i = 0; i < CALENDARS; i += 1) await mkcalendar(radicale.url, 'alice', `cal${i}`, `Calendar ${i}`);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([cluster?.destroy(), radicale?.stop()]);
});

interface LogLine {
  msg?: string;
  time?: number;
  jobId?: string;
  calendarId?: string;
  durationMs?: number;
  claimed?: number;
  enqueued?: number;
}

function lines(child: Child): LogLine[] {
  return child
    .log()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return {};
      }
    });
}

/** Each completed sync of a worker: its calendar and the span its job ran. */
function syncSpans(child: Child): { calendarId: string; start: number; end: number; worker: string }[] {
  const all = lines(child);
  const calendarOf = new Map(all.filter((l) => l.msg === 'sync done' && l.jobId && l.calendarId).map((l) => [l.jobId!, l.calendarId!]));
  return all
    .filter((l) => l.msg === 'job completed' && l.jobId && calendarOf.has(l.jobId) && l.time !== undefined && l.durationMs !== undefined)
    .map((l) => ({ calendarId: calendarOf.get(l.jobId!)!, start: l.time! - l.durationMs!, end: l.time!, worker: child.name }));
}

describe('two workers polling one store', () => {
  it('never sync the same calendar at once, never skip a due calendar, and share the polling', async () => {
    await cluster.cli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'RADICALE_PW', '--allow-private', '--name', 'Studio');
    // Due every second: many polls in a short run.
    const store = await openStore({ databaseUrl: cluster.env.DATABASE_URL!, dataDir: cluster.env.CALSYNC_DATA_DIR!, secretKey: cluster.env.CALSYNC_SECRET_KEY! });
    let ids: string[];
    try {
      const tenant = await store.tenants.ensureDefault();
      const calendars = await store.calendars.list(tenant.id);
      expect(calendars).toHaveLength(CALENDARS);
      for (const c of calendars) await store.calendars.update(tenant.id, c.id, { pollIntervalS: 1 });
      ids = calendars.map((c) => c.id);
    } finally {
      await store.close();
    }

    const workers = [cluster.start('w1', 'worker', '--concurrency', '3'), cluster.start('w2', 'worker', '--concurrency', '3')];
    await cluster.until(
      `every calendar synced ${SYNCS_EACH} times, polls claimed by both workers`,
      () => {
        const spans = workers.flatMap(syncSpans);
        const enough = ids.every((id) => spans.filter((s) => s.calendarId === id).length >= SYNCS_EACH);
        const bothPolled = workers.every((w) => lines(w).some((l) => l.msg === 'poll pass' && (l.enqueued ?? 0) > 0));
        return enough && bothPolled ? true : undefined;
      },
      120_000,
    );
    expect(await Promise.all(workers.map((w) => w.stop()))).toEqual([0, 0]);

    const spans = workers.flatMap(syncSpans);
    for (const id of ids) {
      const mine = spans.filter((s) => s.calendarId === id).sort((a, b) => a.start - b.start);
      expect(mine.length).toBeGreaterThanOrEqual(SYNCS_EACH);
      for (let i = 1; i < mine.length; i += 1) expect(mine[i]!.start, `calendar ${id}: sync ${i} began before sync ${i - 1} ended`).toBeGreaterThanOrEqual(mine[i - 1]!.end);
    }
    // Both processes ran syncs: the work is shared, not done by a designated one.
    expect(new Set(spans.map((s) => s.worker))).toEqual(new Set(['w1', 'w2']));
  }, 240_000);
});
