import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { queueConformance } from './conformance.js';
import { sqlHarness } from './sql-harness.js';

/** One file per test; a "peer" opens a second connection to it, as another process would. */
export function sqliteDb(file: string): Kysely<unknown> {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  return new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
}

queueConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calsync-queue-'));
  const file = join(dir, 'queue.db');
  return sqlHarness('sqlite', () => sqliteDb(file), async () => rmSync(dir, { recursive: true, force: true }));
});
