/**
 * The SQLite driver (better-sqlite3) behind the store. Unlike Kysely's stock one it:
 * - keeps prepared statements in a bounded cache (the stock driver re-prepares every query, which
 *   dominated the cost of small queries);
 * - opens transactions with `BEGIN IMMEDIATE`, so two processes sharing the file wait on
 *   `busy_timeout` instead of deadlocking on a read-to-write lock upgrade.
 */
import type Database from 'better-sqlite3';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import { CompiledQuery as Compiled } from 'kysely';
import { batchRows } from './batch-query.js';

/** Prepared statements kept per SQL text; bounded so ad-hoc SQL cannot grow it without limit. */
const STATEMENT_CACHE_SIZE = 256;

class SqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Database.Statement>();
  constructor(private readonly db: Database.Database) {}

  private prepare(sqlText: string): Database.Statement {
    const cached = this.statements.get(sqlText);
    if (cached !== undefined) return cached;
    const stmt = this.db.prepare(sqlText);
    if (this.statements.size >= STATEMENT_CACHE_SIZE) {
      // Evict the oldest entry (Map iteration order is insertion order).
      const oldest = this.statements.keys().next();
      if (oldest.done !== true) this.statements.delete(oldest.value);
    }
    this.statements.set(sqlText, stmt);
    return stmt;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.prepare(query.sql);
    const rows = batchRows(query);
    if (rows !== undefined) {
      let changes = 0;
      for (const row of rows) changes += stmt.run(row).changes;
      return { numAffectedRows: BigInt(changes), rows: [] };
    }
    if (stmt.reader) return { rows: stmt.all(query.parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(query.parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.prepare(query.sql).iterate(query.parameters)) yield { rows: [row as R] };
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

  constructor(private readonly db: Database.Database) {}

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
