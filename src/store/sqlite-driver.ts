/**
 * The SQLite driver behind the store, on Node's built-in `node:sqlite` (no native addon to compile;
 * see the README's dependency table for the measured comparison with better-sqlite3). Unlike Kysely's
 * stock SQLite driver (written for better-sqlite3's API) it:
 * - keeps prepared statements in a bounded cache (the stock driver re-prepares every query, which
 *   dominated the cost of small queries);
 * - opens transactions with `BEGIN IMMEDIATE`, so two processes sharing the file wait on
 *   `busy_timeout` instead of deadlocking on a read-to-write lock upgrade.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import { CompiledQuery as Compiled } from 'kysely';
import { batchRows } from './batch-query.js';

/** Prepared statements kept per SQL text; bounded so ad-hoc SQL cannot grow it without limit. */
const STATEMENT_CACHE_SIZE = 256;

/** A prepared statement and whether it returns rows (node:sqlite has no `reader` flag: a statement returns rows when it has result columns). */
interface Prepared {
  stmt: StatementSync;
  reader: boolean;
}

/** Kysely passes parameters as an array; node:sqlite binds positional values as arguments. */
function values(params: readonly unknown[]): SQLInputValue[] {
  return params as SQLInputValue[];
}

class SqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Prepared>();
  constructor(private readonly db: DatabaseSync) {}

  private prepare(sqlText: string): Prepared {
    // A closed database finalizes its statements: drop them, so the caller gets node:sqlite's own
    // "database is not open" from prepare below rather than "statement has been finalized".
    if (!this.db.isOpen) this.statements.clear();
    const cached = this.statements.get(sqlText);
    if (cached !== undefined) return cached;
    const stmt = this.db.prepare(sqlText);
    const prepared = { stmt, reader: stmt.columns().length > 0 };
    if (this.statements.size >= STATEMENT_CACHE_SIZE) {
      // Evict the oldest entry (Map iteration order is insertion order).
      const oldest = this.statements.keys().next();
      if (oldest.done !== true) this.statements.delete(oldest.value);
    }
    this.statements.set(sqlText, prepared);
    return prepared;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { stmt, reader } = this.prepare(query.sql);
    const rows = batchRows(query);
    if (rows !== undefined) {
      let changes = 0;
      for (const row of rows) changes += Number(stmt.run(...values(row)).changes);
      return { numAffectedRows: BigInt(changes), rows: [] };
    }
    if (reader) return { rows: stmt.all(...values(query.parameters)) as R[] };
    const { changes, lastInsertRowid } = stmt.run(...values(query.parameters));
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.prepare(query.sql).stmt.iterate(...values(query.parameters))) yield { rows: [row as R] };
  }
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQLite has one connection; a promise chain serializes its users (Kysely's stock driver does the same). */
export class SqliteDriver implements Driver {
  private connection: SqliteConnection | undefined;
  private tail: Promise<void> = Promise.resolve();
  private releaseCurrent: (() => void) | undefined;

  constructor(private readonly db: DatabaseSync) {}

  async init(): Promise<void> {
    this.connection = new SqliteConnection(this.db);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.releaseCurrent = release;
    if (this.connection === undefined) throw new Error('sqlite driver used before init');
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(Compiled.raw('begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(Compiled.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(Compiled.raw('rollback'));
  }
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(Compiled.raw(`savepoint ${quoteName(name)}`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(Compiled.raw(`rollback to ${quoteName(name)}`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(Compiled.raw(`release ${quoteName(name)}`));
  }
  async releaseConnection(): Promise<void> {
    const release = this.releaseCurrent;
    this.releaseCurrent = undefined;
    release?.();
  }
  async destroy(): Promise<void> {
    this.db.close();
  }
}
