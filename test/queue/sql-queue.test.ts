/** SQL-backend behaviour beyond the shared contract: leases, pruning, background errors, migrations. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DatabaseSync } from 'node:sqlite';
import { openSqliteDatabase, sqliteKysely } from '../../src/store/connect.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlJobQueue } from '../../src/queue/sql/sql-queue.js';
import type { SqlQueueOptions } from '../../src/queue/sql/sql-queue.js';
import type { SqlWorker } from '../../src/queue/sql/sql-worker.js';
import type { JobHandler } from '../../src/queue/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { eventually, sleep } from './eventually.js';

describe('SQL queue', () => {
  let dir: string;
  let database: DatabaseSync;
  let db: Kysely<unknown>;
  let clock: ManualClock;
  let queue: SqlJobQueue;
  const errors: unknown[] = [];
  const open = (extra: Partial<SqlQueueOptions> = {}): Promise<SqlJobQueue> =>
    SqlJobQueue.open({ db, dialect: 'sqlite', clock, pollMs: 10, heartbeatMs: 5, onError: (e) => errors.push(e), ...extra });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'calsync-sqlq-'));
    database = openSqliteDatabase(join(dir, 'q.db'));
    db = sqliteKysely(database);
    clock = new ManualClock();
    errors.length = 0;
    queue = await open();
  });
  afterEach(async () => {
    await queue.close();
    if (database.isOpen) await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dead-letters a job whose leases keep expiring once its attempts are used up', async () => {
    const w = queue.work({ hang: (async () => new Promise(() => undefined)) as JobHandler<never> }, { leaseMs: 1_000 }) as SqlWorker;
    const { id } = await queue.enqueue({ type: 'hang', tenantId: 't', payload: null, priority: 'high', attempts: 1 });
    await eventually(async () => (await queue.get(id))?.state === 'active');
    w.abandon();
    const sweeper = queue.work({});
    clock.advance(1_001);
    queue.poke();
    const dead = await eventually(async () => { const j = await queue.get(id); return j?.state === 'dead' ? j : undefined; });
    expect(dead.lastError).toMatch(/lease expired/);
    expect(dead.history).toEqual([{ at: new Date(clock.now()).toISOString(), error: dead.lastError, code: 'QUEUE_FAILURE' }]);
    await sweeper.stop();
  });

  it('aborts a handler whose lease another worker took, and never lets it finish the job', async () => {
    let aborted = false;
    queue.work({
      slow: (async (_p: unknown, _j: unknown, ctx: { signal: AbortSignal; lost?: AbortSignal }) => {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        // Lost, not merely asked to stop: the handler must not write any more.
        aborted = ctx.lost?.aborted === true;
      }) as JobHandler<never>,
    });
    const { id } = await queue.enqueue({ type: 'slow', tenantId: 't', payload: null, priority: 'high' });
    await eventually(async () => (await queue.get(id))?.state === 'active');
    await sql`update calsync_jobs set lease_owner = 'another-worker' where id = ${id}`.execute(db);
    await eventually(() => aborted, 2_000, 'the handler to be aborted');
    await sleep(30);
    expect((await queue.get(id))?.state).toBe('active');
  });

  it('forgets completed jobs after the retention time', async () => {
    await queue.close();
    queue = await open({ completedRetentionMs: 60_000 });
    queue.work({ ok: (async () => undefined) as JobHandler<never> });
    const { id } = await queue.enqueue({ type: 'ok', tenantId: 't', payload: null, priority: 'high' });
    await eventually(async () => (await queue.get(id))?.state === 'completed');
    clock.advance(60_001);
    queue.poke();
    await eventually(async () => (await queue.get(id)) === undefined, 2_000, 'the completed job to be pruned');
  });

  it('reports background errors and keeps going', async () => {
    queue.work({});
    database.close();
    await eventually(() => errors.length > 0, 2_000, 'an error report');
    expect(String(errors[0])).toMatch(/not open/);
    // Enqueues batched into one transaction all fail together, and say so.
    const enqueues = [1, 2].map((n) => queue.enqueue({ type: 't', tenantId: 't', payload: n, priority: 'high' }));
    for (const e of enqueues) await expect(e).rejects.toThrow(/not open/);
  });

  it('migrates once, from several queues, and reports a failed migration', async () => {
    const second = await open();
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'calsync_%' order by name`.execute(db);
    expect(tables.rows.map((r) => r.name)).toEqual(['calsync_job_mutexes', 'calsync_jobs', 'calsync_queue_migration', 'calsync_queue_migration_lock']);
    await second.close();
    const closed = openSqliteDatabase(':memory:');
    closed.close();
    const broken = sqliteKysely<unknown>(closed);
    await expect(SqlJobQueue.open({ db: broken, dialect: 'sqlite' })).rejects.toMatchObject({ code: 'QUEUE_FAILURE' });
  });
});
