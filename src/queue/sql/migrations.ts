/**
 * The SQL queue migrates its own tables, in its own migration table, so it can sit in any store's
 * database (SQLite or PostgreSQL) without touching the store's migrations.
 */
import { Migrator } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { CalsyncError } from '../../errors.js';
import { JOBS_TABLE, MUTEX_TABLE } from './schema.js';

export type SqlDialect = 'sqlite' | 'postgres';

function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_jobs': {
      async up(db: Kysely<unknown>): Promise<void> {
        // FIFO order within a priority needs an insertion sequence; the auto-increment type differs.
        let table = db.schema.createTable(JOBS_TABLE).ifNotExists();
        table =
          dialect === 'postgres'
            ? table.addColumn('seq', 'bigserial', (c) => c.primaryKey())
            : table.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
        await table
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('priority_rank', 'integer', (c) => c.notNull())
          .addColumn('key', 'text')
          .addColumn('coalesce_key', 'text')
          .addColumn('mutex', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('run_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_owner', 'text')
          .addColumn('lease_expires_at', 'bigint')
          .addColumn('attempts_made', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('backoff_ms', 'integer', (c) => c.notNull())
          .addColumn('history', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('finished_at', 'bigint')
          .execute();
        // NULLs are distinct in unique indexes on both dialects, so only pending keyed jobs collide.
        await db.schema
          .createIndex('calsync_jobs_coalesce')
          .ifNotExists()
          .on(JOBS_TABLE)
          .columns(['tenant_id', 'coalesce_key'])
          .unique()
          .execute();
        await db.schema
          .createIndex('calsync_jobs_claim')
          .ifNotExists()
          .on(JOBS_TABLE)
          .columns(['state', 'priority_rank', 'run_at', 'seq'])
          .execute();
        await db.schema.createIndex('calsync_jobs_lease').ifNotExists().on(JOBS_TABLE).columns(['state', 'lease_expires_at']).execute();
        await db.schema.createIndex('calsync_jobs_tenant').ifNotExists().on(JOBS_TABLE).columns(['tenant_id', 'state']).execute();
        await db.schema
          .createTable(MUTEX_TABLE)
          .ifNotExists()
          .addColumn('mutex', 'text', (c) => c.primaryKey())
          .addColumn('job_id', 'text', (c) => c.notNull())
          .addColumn('lease_expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable(MUTEX_TABLE).ifExists().execute();
        await db.schema.dropTable(JOBS_TABLE).ifExists().execute();
      },
    },
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialect) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrations(this.dialect));
  }
}

/** Brings the queue tables up to date; safe to run from several processes at once (Kysely locks). */
export async function migrateQueue(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(dialect),
    migrationTableName: 'calsync_queue_migration',
    migrationLockTableName: 'calsync_queue_migration_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new CalsyncError('QUEUE_FAILURE', 'queue migration failed', { cause: error, retryable: false });
  }
}
