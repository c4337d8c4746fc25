import { sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { queueConformance } from './conformance.js';
import { createTempDatabase } from './pg.js';
import type { TempDatabase } from './pg.js';
import { sqlHarness } from './sql-harness.js';

let pgdb: TempDatabase;
beforeAll(async () => {
  pgdb = await createTempDatabase('queue');
});
afterAll(async () => {
  await pgdb.drop();
});

queueConformance('postgres', async () => {
  const h = await sqlHarness('postgres', () => pgdb.connect());
  // One database for the file: each test starts from empty tables.
  const db = pgdb.connect();
  await sql`TRUNCATE calsync_jobs, calsync_job_mutexes`.execute(db);
  await db.destroy();
  return h;
});
