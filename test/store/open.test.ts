import { rmSync, statSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/store/connect.js';
import { migrateToLatest, openStore, SQLITE_MEMORY } from '../../src/store/open.js';
import { STORE_MIGRATIONS } from '../../src/store/migrations.js';
import { loadSecretKey } from '../../src/store/secret-key.js';
import { makeEvent } from '../support/events.js';
import { tempDir } from './harness.js';

const execFileAsync = promisify(execFile);
const dirs: string[] = [];
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('openStore', () => {
  it('defaults to <dataDir>/calsync.db in WAL mode with foreign keys on, creating the data dir', async () => {
    const dataDir = join(dir(), 'nested', 'data');
    const store = await openStore({ dataDir });
    try {
      expect(store.dialect).toBe('sqlite');
      expect(store.location).toBe(join(dataDir, 'calsync.db'));
      expect(statSync(join(dataDir, 'calsync.db')).isFile()).toBe(true);
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      expect(fk.rows[0]?.foreign_keys).toBe(1);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
      expect(busy.rows[0]?.timeout).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('accepts sqlite::memory: and sqlite:<file> URLs', async () => {
    const memory = await openStore({ dataDir: dir(), databaseUrl: SQLITE_MEMORY });
    expect(memory.location).toBe(':memory:');
    await memory.tenants.ensureDefault();
    await memory.close();
    const file = join(dir(), 'sub', 'x.db');
    const named = await openStore({ dataDir: dir(), databaseUrl: `sqlite:${file}` });
    expect(named.location).toBe(file);
    await named.close();
    expect(statSync(file).isFile()).toBe(true);
  });

  it('rejects unknown URL schemes and unusable paths with CONFIG errors', async () => {
    await expect(openStore({ dataDir: dir(), databaseUrl: 'mysql://localhost/x' })).rejects.toMatchObject({ code: 'CONFIG' });
    const blocker = join(dir(), 'file');
    writeFileSync(blocker, 'not a directory');
    expect(() => connect(`sqlite:${join(blocker, 'x.db')}`, dir())).toThrow();
    const notDb = join(dir(), 'garbage.db');
    writeFileSync(notDb, 'this is not a sqlite database, just text padding it out to a header length ok');
    await expect(openStore({ dataDir: dir(), databaseUrl: `sqlite:${notDb}` })).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('redacts credentials from a PostgreSQL location and fails typed when the server is unreachable', async () => {
    const conn = connect('postgres://user:hunter2@127.0.0.1:1/db', dir());
    expect(conn.dialect).toBe('postgres');
    expect(conn.location).not.toContain('hunter2');
    await expect(sql`select 1`.execute(conn.db)).rejects.toMatchObject({ code: 'STORE_FAILURE', retryable: true });
    await conn.db.destroy();
  });

  it('serves concurrent calls on the single SQLite connection, inside and outside a transaction', async () => {
    const store = await openStore({ dataDir: dir() });
    try {
      const t = await store.tenants.ensureDefault();
      const results = await Promise.all([
        store.transaction((tx) => tx.events.putMany(t.id, [makeEvent(), makeEvent()].map((event) => ({ event, source: 'api' as const })))),
        store.events.put(t.id, { event: makeEvent(), source: 'api' }),
        store.events.list(t.id),
      ]);
      expect(results[0]).toHaveLength(2);
      expect(await store.events.maxSeq(t.id)).toBe(3);
      // A query through the stream interface uses the same statement cache.
      const streamed: unknown[] = [];
      for await (const row of store.db.selectFrom('tenants').select('name').stream()) streamed.push(row);
      expect(streamed).toEqual([{ name: 'default' }]);
    } finally {
      await store.close();
    }
  });

  it('reports a corrupt JSON column as a non-retryable STORE_FAILURE naming the column', async () => {
    const store = await openStore({ dataDir: dir() });
    try {
      const t = await store.tenants.ensureDefault();
      const h = await store.events.put(t.id, { event: makeEvent(), source: 'api' });
      await store.db.updateTable('hub_events').set({ event: '{not json' }).where('id', '=', h.id).execute();
      await expect(store.events.get(t.id, h.id)).rejects.toMatchObject({ code: 'STORE_FAILURE', retryable: false, message: expect.stringContaining('hub_events.event') });
    } finally {
      await store.close();
    }
  });

  it('keeps serving correct results past the prepared-statement cache bound', async () => {
    const store = await openStore({ dataDir: dir() });
    try {
      for (let i = 0; i < 300; i += 1) {
        const result = await sql<{ n: number }>`select ${sql.lit(i)} as n`.execute(store.db);
        expect(result.rows[0]?.n).toBe(i);
      }
      expect((await sql<{ n: number }>`select ${sql.lit(0)} as n`.execute(store.db)).rows).toEqual([{ n: 0 }]);
    } finally {
      await store.close();
    }
  });

  it('runs Kysely savepoints on SQLite', async () => {
    const store = await openStore({ dataDir: dir() });
    try {
      const t = await store.tenants.ensureDefault();
      const trx = await store.db.startTransaction().execute();
      await trx.insertInto('store_meta').values({ key: 'a', value: '1' }).execute();
      const sp = await trx.savepoint('before_b').execute();
      await sp.insertInto('store_meta').values({ key: 'b', value: '2' }).execute();
      const rolled = await sp.rollbackToSavepoint('before_b').execute();
      const sp2 = await rolled.savepoint('c').execute();
      await sp2.releaseSavepoint('c').execute();
      await trx.commit().execute();
      const keys = (await store.db.selectFrom('store_meta').select('key').where('key', 'in', ['a', 'b']).execute()).map((r) => r.key);
      expect(keys).toEqual(['a']);
      expect(t.name).toBe('default');
    } finally {
      await store.close();
    }
  });
});

describe('migrateToLatest', () => {
  it('applies a component\'s own migrations under its own tables, once, and types failures', async () => {
    const conn = connect<unknown>(SQLITE_MEMORY, dir());
    try {
      const own = {
        '001_jobs': { up: async (db: Kysely<unknown>) => void (await db.schema.createTable('jobs').addColumn('id', 'text').execute()) },
      };
      const tables = { migrationTableName: 'queue_migration', migrationLockTableName: 'queue_migration_lock' };
      expect(await migrateToLatest(conn.db, own, tables)).toEqual(['001_jobs']);
      expect(await migrateToLatest(conn.db, own, tables)).toEqual([]);
      const broken = { ...own, '002_broken': { up: async () => Promise.reject(new Error('bad ddl')) } };
      await expect(migrateToLatest(conn.db, broken, tables)).rejects.toMatchObject({ code: 'STORE_FAILURE', retryable: false, message: expect.stringContaining('bad ddl') });
    } finally {
      await conn.db.destroy();
    }
  });
});

describe('migration 003_outbox', () => {
  it('starts the outbox mark of an existing tenant at its current seq: changes before the outbox are not sent again', async () => {
    const conn = connect<unknown>(SQLITE_MEMORY, dir());
    try {
      const { '001_initial': initial } = STORE_MIGRATIONS;
      expect(await migrateToLatest(conn.db, { '001_initial': initial! })).toEqual(['001_initial']);
      await sql`insert into tenants (id, name, seq, created_at) values ('t1', 'studio', 7, '2026-01-01T00:00:00.000Z')`.execute(conn.db);
      expect(await migrateToLatest(conn.db)).toEqual(['002_link_write_intent', '003_outbox', '004_sync_state_written', '005_sync_state_claim', '007_tenant_users']);
      const rows = await sql<{ tenant_id: string; drained_seq: number }>`select tenant_id, drained_seq from outbox_progress`.execute(conn.db);
      expect(rows.rows).toEqual([{ tenant_id: 't1', drained_seq: 7 }]);
    } finally {
      await conn.db.destroy();
    }
  });
});

describe('concurrent first start', () => {
  it('two processes opening a fresh SQLite data dir at once both succeed and agree', async () => {
    const dataDir = dir();
    const script = fileURLToPath(new URL('./helpers/open-once.ts', import.meta.url));
    const run = () => execFileAsync(process.execPath, ['--import', 'tsx', script, dataDir], { timeout: 30_000 });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.stdout).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.stdout).toBe(a.stdout);
    const store = await openStore({ dataDir });
    expect((await sql<{ name: string }>`select name from store_migration`.execute(store.db)).rows.map((r) => r.name)).toEqual(Object.keys(STORE_MIGRATIONS));
    await store.close();
  });
});

describe('loadSecretKey', () => {
  it('creates the key file with mode 0600 even under a permissive umask, then reuses it', () => {
    const d = dir();
    const previous = process.umask(0o000);
    try {
      const key = loadSecretKey(d);
      expect(statSync(join(d, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(loadSecretKey(d)).toEqual(key);
    } finally {
      process.umask(previous);
    }
  });

  it('prefers the configured key and rejects a malformed key file', () => {
    const d = dir();
    const configured = 'ab'.repeat(32);
    expect(loadSecretKey(d, configured).toString('hex')).toBe(configured);
    writeFileSync(join(d, 'secret.key'), 'garbage', { mode: 0o600 });
    expect(() => loadSecretKey(d)).toThrow(expect.objectContaining({ code: 'CONFIG' }));
    expect(() => loadSecretKey(d, '   ')).toThrow(expect.objectContaining({ code: 'CONFIG' }));
  });

  it('fails with CONFIG when the data dir cannot be created', () => {
    const d = dir();
    writeFileSync(join(d, 'file'), 'x');
    expect(() => loadSecretKey(join(d, 'file', 'sub'))).toThrow(expect.objectContaining({ code: 'CONFIG' }));
  });
});
