import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import { openStatusBus } from '../../src/service/status/open.js';
import { RedisStatusBus } from '../../src/service/status/redis-bus.js';
import { STATUS_EVENTS_TABLE, StoreStatusBus } from '../../src/service/status/store-bus.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { ManualClock } from '../../src/util/clock.js';
import { generateSecretKey } from '../../src/util/crypto.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { REDIS_URL, uniquePrefix } from '../support/redis.js';
import { started, statusBusConformance } from './conformance.js';

async function sqliteStore(): Promise<{ store: SqlStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'calsync-status-'));
  return { store: await openStore({ databaseUrl: `sqlite:${join(dir, 'db.sqlite')}`, dataDir: dir }), dir };
}

describe('Redis status bus', () => {
  statusBusConformance(async () => {
    const prefix = uniquePrefix('status');
    const a = new RedisStatusBus({ redisUrl: REDIS_URL, prefix });
    const b = new RedisStatusBus({ redisUrl: REDIS_URL, prefix });
    await Promise.all([a.ready(), b.ready()]);
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  });
});

describe('store status bus on SQLite', () => {
  statusBusConformance(async () => {
    const { store, dir } = await sqliteStore();
    const a = await StoreStatusBus.open({ db: store.db, dialect: store.dialect, pollMs: 25 });
    const b = await StoreStatusBus.open({ db: store.db, dialect: store.dialect, pollMs: 25 });
    return {
      a,
      b,
      async close() {
        await Promise.all([a.close(), b.close()]);
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('store status bus on PostgreSQL', () => {
  let database: TestDatabase;
  const secretKey = generateSecretKey().toString('hex');
  beforeAll(async () => {
    database = await createTestDatabase('calsync_status');
  });
  afterAll(async () => {
    await database.drop();
  });
  statusBusConformance(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calsync-status-'));
    // Two stores = two connection pools, as two processes would have.
    const s1 = await openStore({ databaseUrl: database.url, dataDir: dir, secretKey });
    const s2 = await openStore({ databaseUrl: database.url, dataDir: dir, secretKey });
    const a = await StoreStatusBus.open({ db: s1.db, dialect: 'postgres', pollMs: 25 });
    const b = await StoreStatusBus.open({ db: s2.db, dialect: 'postgres', pollMs: 25 });
    return {
      a,
      b,
      async close() {
        await Promise.all([a.close(), b.close()]);
        await s1.db.deleteFrom(STATUS_EVENTS_TABLE as never).execute();
        await Promise.all([s1.close(), s2.close()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('memory status bus', () => {
  it('delivers in-process only, per tenant', async () => {
    const bus = new MemoryStatusBus();
    const got: string[] = [];
    const off = bus.subscribe('t1', (e) => got.push((e as { calendarId?: string }).calendarId ?? ''));
    bus.subscribe('t2', () => got.push('wrong tenant'));
    await bus.publish(started('t1', 'c1'));
    off();
    await bus.publish(started('t1', 'c2'));
    expect(got).toEqual(['c1']);
    await bus.close();
  });
});

describe('store status bus housekeeping', () => {
  it('prunes rows older than the retention on publish', async () => {
    const { store, dir } = await sqliteStore();
    const clock = new ManualClock();
    const bus = await StoreStatusBus.open({ db: store.db, dialect: store.dialect, clock, retentionMs: 1_000 });
    await bus.publish(started('t1', 'old'));
    clock.advance(120_000);
    await bus.publish(started('t1', 'new'));
    const rows = await store.db.selectFrom(STATUS_EVENTS_TABLE as never).selectAll().execute();
    expect(rows.map((r) => JSON.parse((r as { payload: string }).payload).calendarId)).toEqual(['new']);
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('openStatusBus picks Redis with a URL and the store without', async () => {
    const { store, dir } = await sqliteStore();
    const onStore = await openStatusBus({ db: store.db, dialect: store.dialect });
    expect(onStore.backend).toBe('store');
    const onRedis = await openStatusBus({ db: store.db, dialect: store.dialect, redisUrl: REDIS_URL, prefix: uniquePrefix('status') });
    expect(onRedis.backend).toBe('redis');
    await Promise.all([onStore.close(), onRedis.close()]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
