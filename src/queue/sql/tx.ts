/**
 * Writes to the queue tables.
 *
 * SQLite: node:sqlite is synchronous, so a connection waiting on another one's write lock
 * (busy_timeout) blocks the whole thread, including the connection holding the lock: two connections in
 * one process would deadlock until the timeout. Every SQLite write of the queue therefore goes through
 * one in-process lock; across processes SQLite's own locking applies. Transactions start with BEGIN
 * IMMEDIATE: a deferred one that reads first can fail with SQLITE_BUSY once another process wrote.
 *
 * PostgreSQL: single statements run as they are; transactions are plain READ COMMITTED ones.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { SqlDialect } from './migrations.js';

let sqliteTail: Promise<unknown> = Promise.resolve();

/** Runs `fn` after every SQLite write started before it (in this process) has finished. */
function sqliteExclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = sqliteTail.then(fn, fn);
  sqliteTail = run.catch(() => undefined);
  return run;
}

export function serializedWrite<T>(dialect: SqlDialect, fn: () => Promise<T>): Promise<T> {
  return dialect === 'sqlite' ? sqliteExclusive(fn) : fn();
}

export async function inWriteTransaction<DB, T>(db: Kysely<DB>, dialect: SqlDialect, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (dialect === 'postgres') return db.transaction().execute(fn);
  return sqliteExclusive(() =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        await sql`rollback`.execute(conn);
        throw err;
      }
    }),
  );
}
