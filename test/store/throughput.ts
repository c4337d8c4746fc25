/**
 * Store write throughput for an initial import: N hub events (putMany, with audit) plus one link each
 * (createMany), in batches inside one transaction per batch — what the engine does on a first sync.
 * Not a test (a slow machine must not fail CI). Run: `npx tsx test/store/throughput.ts [events] [batch]`.
 * Prints events/s per backend; PostgreSQL uses a fresh database on 127.0.0.1:5432.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { canonicalWithHash } from '../../src/model/hash.js';
import { newId } from '../../src/util/ids.js';
import { makeEvent } from '../support/events.js';
import { createTestDatabase } from '../support/pg.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/open.js';
import { tempDir } from './harness.js';

const total = Number(process.argv[2] ?? 10_000);
const batch = Number(process.argv[3] ?? 1_000);
const backends = (process.env['BACKENDS'] ?? 'sqlite,postgres').split(',');

interface Rate {
  wall: number;
  cpu: number;
}

/** Events per wall-clock second and per CPU second of this process (shared machines make wall time noisy). */
function describe(rate: Rate): string {
  return `${Math.round(rate.wall)} events/s wall, ${Math.round(rate.cpu)} events/CPU-s`;
}

async function importInto(store: SqlStore): Promise<Rate> {
  const tenant = await store.tenants.ensureDefault();
  const integration = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'bench', config: {}, credentials: { password: 'x' } });
  const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: '/cal/', name: 'Bench' });
  const events = Array.from({ length: total }, () => makeEvent());
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < total; i += batch) {
    const slice = events.slice(i, i + batch);
    await store.transaction(async (tx) => {
      const hub = await tx.events.putMany(tenant.id, slice.map((event) => ({ event, source: `calendar:${calendar.id}` as const })));
      await tx.links.createMany(
        tenant.id,
        hub.map((h) => ({ hubEventId: h.id, calendarId: calendar.id, remoteId: `/cal/${h.event.uid}.ics`, etag: '"1"', base: h.event })),
      );
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if ((await store.links.countByCalendar(tenant.id, calendar.id)) !== total) throw new Error('import lost links');
  return { wall: total / seconds, cpu: total / cpuSeconds };
}

/**
 * The floor: the same rows written with hand-prepared better-sqlite3 statements (no Kysely, no
 * repositories) into the same schema, side by side with the store on the same machine.
 */
async function rawSqliteFloor(dir: string): Promise<Rate> {
  const store = await openStore({ dataDir: dir, databaseUrl: `sqlite:${join(dir, 'raw.db')}` });
  const tenant = await store.tenants.ensureDefault();
  const integration = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'raw', config: {}, credentials: {} });
  const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: '/cal/', name: 'Raw' });
  await store.close();
  const db = new DatabaseSync(join(dir, 'raw.db'));
  db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL; pragma foreign_keys = ON; pragma cache_size = -32768');
  const insEvent = db.prepare('insert into hub_events (id, tenant_id, uid, event, version, seq, deleted_at, created_at, updated_at) values (?,?,?,?,?,?,?,?,?)');
  const insAudit = db.prepare('insert into audit (id, tenant_id, hub_event_id, seq, source, action, before, after, at) values (?,?,?,?,?,?,?,?,?)');
  const insLink = db.prepare('insert into links (id, tenant_id, hub_event_id, calendar_id, remote_id, etag, base, base_hash, last_synced_at) values (?,?,?,?,?,?,?,?,?)');
  const events = Array.from({ length: total }, () => makeEvent());
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let seq = 0;
  for (let i = 0; i < total; i += batch) {
    db.exec('begin');
    {
      for (const event of events.slice(i, i + batch)) {
        seq += 1;
        const id = newId();
        const now = new Date().toISOString();
        const json = JSON.stringify(event);
        const base = canonicalWithHash(event);
        insEvent.run(id, tenant.id, event.uid, json, 1, seq, null, now, now);
        insAudit.run(newId(), tenant.id, id, seq, 'bench', 'create', null, json, now);
        insLink.run(newId(), tenant.id, id, calendar.id, `/cal/${event.uid}.ics`, '"1"', base.text, base.hash, now);
      }
    }
    db.exec('commit');
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  db.close();
  return { wall: total / seconds, cpu: total / ((cpu.user + cpu.system) / 1e6) };
}

async function main(): Promise<void> {
  const dir = tempDir('calsync-throughput-');
  try {
    if (backends.includes('sqlite')) {
      const sqlite = await openStore({ dataDir: dir });
      console.log(`sqlite:   ${describe(await importInto(sqlite))} (${total} events + audit + links, batches of ${batch})`);
      await sqlite.close();
      if (process.env['RAW'] !== '0') console.log(`raw sqlite floor: ${describe(await rawSqliteFloor(dir))} (hand-prepared statements, same schema and rows)`);
    }
    if (!backends.includes('postgres')) return;
    const db = await createTestDatabase('calsync_bench');
    try {
      const pg = await openStore({ dataDir: dir, databaseUrl: db.url });
      console.log(`postgres: ${describe(await importInto(pg))} (${total} events + audit + links, batches of ${batch})`);
      await pg.close();
    } finally {
      await db.drop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
