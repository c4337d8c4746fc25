/**
 * Bulk INSERT without Kysely's query builder. Building and compiling an AST for hundreds of rows cost
 * more CPU than the database spent inserting them; here the SQL text is built once per (table, columns,
 * row count) and cached, and rows are flattened straight into the parameter array. PostgreSQL gets
 * multi-row INSERTs (fewer round trips); SQLite a one-row statement looped in the driver
 * (`batch-query.ts`). Either way the query runs through `db.executeQuery`, so it joins the current
 * transaction and gets typed errors.
 */
import type { Kysely } from 'kysely';
import { CompiledQuery } from 'kysely';
import type { Dialect } from './connect.js';
import { batchQuery } from './batch-query.js';
import { chunks, INSERT_CHUNK_ROWS } from './context.js';

const sqlCache = new Map<string, string>();
/** Distinct statements are few (a full chunk and one remainder per table); the bound guards misuse. */
const SQL_CACHE_LIMIT = 512;

function insertSql(dialect: Dialect, table: string, columns: readonly string[], rowCount: number): string {
  const cacheKey = `${dialect}|${table}|${columns.join(',')}|${rowCount}`;
  const cached = sqlCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const width = columns.length;
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r += 1) {
    const slots: string[] = [];
    for (let c = 0; c < width; c += 1) slots.push(dialect === 'postgres' ? `$${r * width + c + 1}` : '?');
    tuples.push(`(${slots.join(',')})`);
  }
  const text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}`;
  if (sqlCache.size >= SQL_CACHE_LIMIT) sqlCache.clear();
  sqlCache.set(cacheKey, text);
  return text;
}

/**
 * Inserts `rows` (objects whose keys include `columns`) in chunks. Table and column names come from
 * the store's own code, never from input.
 */
export async function bulkInsert<DB, Row extends object>(
  db: Kysely<DB>,
  dialect: Dialect,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
): Promise<void> {
  const width = columns.length;
  for (const part of chunks(rows, INSERT_CHUNK_ROWS)) {
    if (dialect === 'sqlite') {
      const values = part.map((row) => {
        const one: unknown[] = new Array<unknown>(width);
        for (let c = 0; c < width; c += 1) one[c] = row[columns[c] as keyof Row & string];
        return one;
      });
      await db.executeQuery(batchQuery(insertSql(dialect, table, columns, 1), values));
      continue;
    }
    const params: unknown[] = new Array<unknown>(part.length * width);
    let i = 0;
    for (const row of part) {
      for (const column of columns) params[i++] = row[column];
    }
    await db.executeQuery(CompiledQuery.raw(insertSql(dialect, table, columns, part.length), params));
  }
}
