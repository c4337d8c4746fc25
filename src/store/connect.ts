/**
 * Opens the Kysely instance for a database URL: SQLite (a file in the data dir, or `sqlite::memory:`)
 * or PostgreSQL (`postgres://…`). Both go through the error-translating driver (`translating-driver.ts`).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { DialectAdapter, Driver } from 'kysely';
import type { Dialect as KyselyDialect, DatabaseIntrospector, QueryCompiler } from 'kysely';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { createRequire } from 'node:module';
import type Pg from 'pg';
import { CalsyncError } from '../errors.js';
import { SqliteDriver } from './sqlite-driver.js';
import { TranslatingDriver } from './translating-driver.js';

export type Dialect = 'sqlite' | 'postgres';

export const SQLITE_FILE = 'calsync.db';
export const SQLITE_MEMORY = 'sqlite::memory:';
/** How long a SQLite writer waits for another process's write lock before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** Page size of a new SQLite file (an existing file keeps its own). */
const SQLITE_PAGE_SIZE = 8192;
/** SQLite page cache per connection, in KiB. */
const SQLITE_CACHE_KIB = 4096;

/**
 * SQLite does support transactional DDL; Kysely's stock adapter says it does not, which would run each
 * migration outside a transaction (a crash mid-migration leaves half a schema) and without any lock
 * (two processes starting on a fresh file race). Declaring it transactional makes the migrator wrap
 * the run in our driver's BEGIN IMMEDIATE, which is the cross-process lock.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Kysely's SQLite dialect with our node:sqlite driver (the stock one is written for better-sqlite3). */
class CalsyncSqliteDialect implements KyselyDialect {
  constructor(private readonly database: DatabaseSync) {}
  createDriver(): Driver {
    return new TranslatingDriver(new SqliteDriver(this.database));
  }
  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class CalsyncPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new TranslatingDriver(super.createDriver());
  }
}

export interface Connection<DB> {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where the data lives, for logs (`postgres://host/db` without credentials, or the file path). */
  location: string;
}

/** The SQLite file for a `sqlite:` URL (`sqlite:/abs/path.db`, `sqlite:relative.db`), or undefined for other URLs. */
function sqlitePath(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
  return rest === '' ? undefined : rest;
}

/** Opens (creating when missing) the SQLite file, or `:memory:`, with the store's settings. */
export function openSqliteDatabase(file: string): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let database: DatabaseSync;
  try {
    database = new DatabaseSync(file);
    // 8 KiB pages for a new file (a no-op on an existing one): an event row with its JSON is ~1–2 KB, so
    // half as many pages, WAL frames and B-tree splits per import as with 4 KiB (measured ~10 % less
    // time for a 10,000-event first sync). Must come before the switch to WAL.
    database.exec(`pragma page_size = ${SQLITE_PAGE_SIZE}`);
    // WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL mode.
    database.exec('pragma journal_mode = WAL');
    database.exec('pragma synchronous = NORMAL');
    database.exec(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.exec('pragma foreign_keys = ON');
    // The page cache is process memory, filled to the limit by an import: 4 MiB (twice SQLite's default)
    // holds the hot index pages; 32 MiB raised the peak RSS of a 10,000-event import by ~25 MB without
    // making it measurably faster (pages it drops are re-read from the OS's file cache).
    database.exec(`pragma cache_size = -${SQLITE_CACHE_KIB}`);
  } catch (err) {
    throw new CalsyncError('CONFIG', `cannot open SQLite database ${file}`, { cause: err });
  }
  return database;
}

/** Kysely over an open SQLite database, through the store's driver (closing it closes the database). */
export function sqliteKysely<DB>(database: DatabaseSync): Kysely<DB> {
  return new Kysely<DB>({ dialect: new CalsyncSqliteDialect(database) });
}

function openSqlite<DB>(file: string): Connection<DB> {
  return { db: sqliteKysely<DB>(openSqliteDatabase(file)), dialect: 'sqlite', location: file };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * Connects to `databaseUrl`, or to `<dataDir>/calsync.db` when it is unset. Unknown schemes are a
 * CONFIG error rather than a silent fallback to SQLite.
 */
export function connect<DB>(databaseUrl: string | undefined, dataDir: string): Connection<DB> {
  const url = databaseUrl?.trim() ?? '';
  if (url === '') return openSqlite<DB>(join(dataDir, SQLITE_FILE));
  if (url === SQLITE_MEMORY) return openSqlite<DB>(':memory:');
  const file = sqlitePath(url);
  if (file !== undefined) return openSqlite<DB>(file);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // pg is loaded only for a PostgreSQL URL (a SQLite-only command never pays for it).
    const pg = createRequire(import.meta.url)('pg') as typeof Pg;
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle client losing its connection emits 'error' on the pool; without a listener that kills the
    // process. The next query gets a fresh client (and a typed STORE_FAILURE if the server is gone).
    pool.on('error', () => undefined);
    return { db: new Kysely<DB>({ dialect: new CalsyncPostgresDialect({ pool }) }), dialect: 'postgres', location: redact(url) };
  }
  throw new CalsyncError('CONFIG', 'DATABASE_URL must start with postgres://, postgresql:// or sqlite:');
}
