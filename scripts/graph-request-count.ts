/**
 * `npx tsx scripts/graph-request-count.ts [--lenient]`: how many Graph requests one sync of an Outlook
 * calendar costs, counted on the emulator's request log — (a) nothing changed, (b) one single event
 * changed in Outlook, (c) one occurrence of a series changed in Outlook. The calendar holds 10 single
 * events and 2 weekly series; the first (full) sync is not counted. Prints one JSON line per case:
 * HTTP requests on the wire and the inner `$batch` requests Graph counts against the mailbox.
 * `--lenient` runs the emulator with Graph's kinder, documented behaviour (4 batch requests at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGraphEmulator } from '../src/emulator/graph/index.js';
import { createGraphProvider } from '../src/providers/graph/index.js';
import { openStore } from '../src/store/open.js';
import { syncCalendar } from '../src/sync/engine.js';
import { systemClock } from '../src/util/clock.js';

const USER = 'adele@contoso.onmicrosoft.com';
const DAY = 86_400_000;
const lenient = process.argv.includes('--lenient');
const wall = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

async function main(): Promise<void> {
  const emu = await createGraphEmulator(lenient ? { batchConcurrency: 4, strict: { htmlBodies: false, maxWindowDays: 0, createAlsoUpdates: false, allDayOriginalZoneUtc: false } } : {});
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-request-count-'));
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock: systemClock });
  const provider = createGraphProvider({ baseUrl: emu.graphUrl, ca: emu.caCert ?? '', getToken: async () => emu.admin.issueToken(USER).accessToken });
  const act = async (method: 'POST' | 'PATCH', path: string, body: unknown): Promise<{ id: string }> => {
    const res = await emu.admin.act(USER, method, path, body);
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string };
  };
  try {
    const calendar = await act('POST', '/calendars', { name: 'Weddings' });
    const base = Math.floor(Date.now() / DAY) * DAY + 30 * DAY;
    const singles: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const start = base + i * DAY + 10 * 3_600_000;
      const e = await act('POST', `/calendars/${calendar.id}/events`, { subject: `Event ${i}`, body: { contentType: 'text', content: `Line one\nLine two ${i}` }, start: { dateTime: wall(start), timeZone: 'UTC' }, end: { dateTime: wall(start + 3_600_000), timeZone: 'UTC' } });
      singles.push(e.id);
    }
    const series: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const start = base - 14 * DAY + i * DAY + 9 * 3_600_000;
      const startDate = wall(start).slice(0, 10);
      const s = await act('POST', `/calendars/${calendar.id}/events`, {
        subject: `Weekly ${i}`,
        start: { dateTime: wall(start), timeZone: 'UTC' },
        end: { dateTime: wall(start + 3_600_000), timeZone: 'UTC' },
        recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: [['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][new Date(start).getUTCDay()]] }, range: { type: 'numbered', startDate, numberOfOccurrences: 20 } },
      });
      series.push(s.id);
    }
    const tenant = await store.tenants.ensureDefault();
    const integration = await store.integrations.create(tenant.id, { provider: 'outlook', name: 'outlook', config: {}, credentials: {} });
    const record = await store.calendars.upsert(tenant.id, integration.id, { remoteId: calendar.id, name: 'Weddings', enabled: true });
    const sync = () => syncCalendar({ store, provider, clock: systemClock }, { tenantId: tenant.id, calendarId: record.id });
    const count = async (name: string, change: () => Promise<unknown>): Promise<void> => {
      await change();
      emu.admin.clearRequests();
      const report = await sync();
      const log = emu.admin.requests();
      const http = log.filter((r) => !r.inBatch).length;
      const inner = log.filter((r) => r.inBatch).length;
      const throttled = log.filter((r) => r.status === 429).length;
      console.log(JSON.stringify({ case: name, emulator: lenient ? 'lenient' : 'strict', http, inBatch: inner, throttled429: throttled, errors: report.errors.length }));
    };
    const first = await sync();
    if (first.errors.length > 0) throw new Error(`first sync failed: ${JSON.stringify(first.errors)}`);
    await count('a no-change sync', async () => undefined);
    await count('b one changed single event', () => act('PATCH', `/events/${singles[3]}`, { subject: 'Event 3 (moved to 11:00)' }));
    const instances = await emu.admin.act(USER, 'GET', `/events/${series[0]}/instances?startDateTime=${wall(base - 30 * DAY)}&endDateTime=${wall(base + 200 * DAY)}`);
    const third = (instances.body as { value: { id: string }[] }).value[2];
    if (!third) throw new Error('no occurrence');
    await count('c one changed occurrence', () => act('PATCH', `/events/${third.id}`, { subject: 'Weekly 0 (this week in room B)' }));
  } finally {
    await provider.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    await emu.close();
  }
}

await main();
