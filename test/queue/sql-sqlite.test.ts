import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import { connect } from '../../src/store/connect.js';
import { queueConformance } from './conformance.js';
import { sqlHarness } from './sql-harness.js';

/** One file per test; a "peer" opens a second connection to it, as another process would. */
export function sqliteDb(file: string): Kysely<unknown> {
  return connect<unknown>(`sqlite:${file}`, dirname(file)).db;
}

queueConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calsync-queue-'));
  const file = join(dir, 'queue.db');
  return sqlHarness('sqlite', () => sqliteDb(file), async () => rmSync(dir, { recursive: true, force: true }));
});
