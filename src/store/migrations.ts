/**
 * Versioned schema migrations, run at every start-up (already-applied ones are skipped). Migrations are
 * listed here statically — no filesystem globbing — so bundling or a different working directory cannot
 * lose one. Never edit an applied migration: add the next one.
 *
 * Tenant isolation is also enforced by the schema: child rows reference their parents by
 * (tenant_id, id), so a link can never point at another tenant's calendar or hub event.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator, sql } from 'kysely';
import { CalsyncError } from '../errors.js';

/** The store's own migration bookkeeping tables (the job queue keeps separate ones). */
export const STORE_MIGRATION_TABLE = 'store_migration';
export const STORE_MIGRATION_LOCK_TABLE = 'store_migration_lock';

// Kysely's schema builder is untyped by design (tables do not exist yet), hence `Kysely<unknown>`.
const m001Initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createIndex('api_keys_tenant').on('api_keys').columns(['tenant_id', 'created_at']).execute();

    await db.schema
      .createTable('integrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('conflict_rules', 'text', (c) => c.notNull())
      .addColumn('credentials', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('integrations_tenant_name', ['tenant_id', 'name'])
      .addUniqueConstraint('integrations_tenant_id', ['tenant_id', 'id'])
      .execute();

    await db.schema
      .createTable('calendars')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('integration_id', 'text', (c) => c.notNull())
      .addColumn('remote_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('color', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('conflict_rules', 'text')
      .addColumn('poll_interval_s', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('calendars_integration_remote', ['tenant_id', 'integration_id', 'remote_id'])
      .addUniqueConstraint('calendars_tenant_id', ['tenant_id', 'id'])
      .addForeignKeyConstraint('calendars_integration_fk', ['tenant_id', 'integration_id'], 'integrations', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();

    await db.schema
      .createTable('hub_events')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('uid', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      // Keyed by (tenant, id): the composite foreign keys of links/audit/conflicts point at it, and one
      // index fewer per row matters on bulk imports (ids are UUIDv7, unique in practice anyway).
      .addPrimaryKeyConstraint('hub_events_pk', ['tenant_id', 'id'])
      .addUniqueConstraint('hub_events_tenant_uid', ['tenant_id', 'uid'])
      // changedSince walks this index: cost is proportional to the changes, not the table.
      .addUniqueConstraint('hub_events_tenant_seq', ['tenant_id', 'seq'])
      .execute();

    await db.schema
      .createTable('audit')
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('hub_event_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      // History is read per event in seq order, and an entry is found within its event's history: this
      // key is the only index audit needs (seq is unique per tenant, so it is unique).
      .addPrimaryKeyConstraint('audit_pk', ['tenant_id', 'hub_event_id', 'seq'])
      .addForeignKeyConstraint('audit_event_fk', ['tenant_id', 'hub_event_id'], 'hub_events', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();

    await db.schema
      .createTable('links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('hub_event_id', 'text', (c) => c.notNull())
      .addColumn('calendar_id', 'text', (c) => c.notNull())
      .addColumn('remote_id', 'text', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('base', 'text', (c) => c.notNull())
      .addColumn('base_hash', 'text', (c) => c.notNull())
      .addColumn('last_synced_at', 'text', (c) => c.notNull())
      // These two unique constraints double as the by-calendar, by-remote and by-hub-event lookups.
      // Every unique key starts with tenant_id: another tenant's row never collides with a write (which
      // would reveal that it exists); such writes fail on the composite foreign keys instead.
      .addUniqueConstraint('links_calendar_remote', ['tenant_id', 'calendar_id', 'remote_id'])
      .addUniqueConstraint('links_calendar_event', ['tenant_id', 'calendar_id', 'hub_event_id'])
      .addForeignKeyConstraint('links_calendar_fk', ['tenant_id', 'calendar_id'], 'calendars', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .addForeignKeyConstraint('links_event_fk', ['tenant_id', 'hub_event_id'], 'hub_events', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('links_event').on('links').columns(['tenant_id', 'hub_event_id']).execute();

    await db.schema
      .createTable('sync_state')
      .addColumn('calendar_id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('cursor', 'text')
      .addColumn('hub_seq', 'bigint', (c) => c.notNull())
      .addColumn('last_sync_at', 'text')
      .addColumn('last_success_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('push', 'text')
      .addForeignKeyConstraint('sync_state_calendar_fk', ['tenant_id', 'calendar_id'], 'calendars', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();

    await db.schema
      .createTable('conflicts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('calendar_id', 'text', (c) => c.notNull())
      .addColumn('hub_event_id', 'text', (c) => c.notNull())
      .addColumn('link_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('base', 'text')
      .addColumn('hub', 'text')
      .addColumn('remote', 'text')
      .addColumn('remote_etag', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('resolution', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'text')
      .addForeignKeyConstraint('conflicts_calendar_fk', ['tenant_id', 'calendar_id'], 'calendars', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .addForeignKeyConstraint('conflicts_event_fk', ['tenant_id', 'hub_event_id'], 'hub_events', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('conflicts_tenant_status').on('conflicts').columns(['tenant_id', 'status', 'created_at']).execute();
    // At most one open conflict per (calendar, hub event): concurrent recorders cannot both insert.
    await db.schema
      .createIndex('conflicts_open_pair')
      .on('conflicts')
      .columns(['tenant_id', 'calendar_id', 'hub_event_id'])
      .unique()
      .where(sql.ref('status'), '=', sql.lit('open'))
      .execute();

    await db.schema
      .createTable('store_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Links remember the write calsync is about to make (`write_intent`, set before the request and cleared
 * by the link save after it), so a write that landed while its link save did not (a crash, a lost
 * response) is recognised as our own on the next sync; and the last push (`last_push`: hub version,
 * resulting etag, how many times in a row), so a push that keeps repeating is stopped.
 */
const m002LinkWriteIntent: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('links').addColumn('write_intent', 'text').execute();
    await db.schema.alterTable('links').addColumn('last_push', 'text').execute();
  },
};

/**
 * The transactional outbox (contract decision 3): the audit table, written in the same transaction as
 * every hub change and numbered by the tenant's seq, is the outbox. The drainer keeps one mark per
 * tenant — the highest seq whose propagation it has dispatched — and reads "audit rows after seq N",
 * which this index serves in seq order (seq is unique per tenant, so the index is too).
 */
const m003Outbox: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('outbox_progress')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
      .addColumn('drained_seq', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_tenant_seq').on('audit').columns(['tenant_id', 'seq']).unique().execute();
    // Changes written before the outbox existed were propagated by hand at the time: start at the present.
    await sql`insert into outbox_progress (tenant_id, drained_seq, updated_at) select id, seq, created_at from tenants`.execute(db);
  },
};

/**
 * The calendar items a sync wrote after its stored cursor was taken (`SyncState.written`, JSON): the
 * next sync checks them whatever the listing says, since a CTag or sync-token that is a content hash
 * returns to the stored value when another client undoes our write.
 */
const m004SyncStateWritten: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sync_state').addColumn('written', 'text').execute();
  },
};

/**
 * The claim of the sync running on a calendar (`SyncState.claim`, see `sync/fence.ts`): a sync claims the
 * calendar before it lists, and every hub write of a pull or merge checks the claim in its transaction.
 */
const m005SyncStateClaim: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sync_state').addColumn('claim', 'text').execute();
  },
};

/**
 * The WedSync contract (issue 14):
 * - `audit.version`: the event's version after the change, so the change feed says which version each
 *   change made without counting history (older rows are backfilled by counting, which is exact: every
 *   change bumps the version by one and writes one audit row).
 * - `tenants.history_floor`: the highest seq whose history was pruned (0: none). A feed cursor below it
 *   cannot continue without a gap and is answered 410.
 * - `hub_event_external_ids`: WedSync's own id of an event (`externalId`), unique per tenant.
 * - `idempotency_keys`: the first answer to a write sent with an `Idempotency-Key`, stored in the same
 *   transaction as the write, so a retried request gets that answer and changes nothing twice.
 */
const m006WedsyncContract: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('audit').addColumn('version', 'integer').execute();
    await sql`update audit set version = (select count(*) from audit a2 where a2.tenant_id = audit.tenant_id and a2.hub_event_id = audit.hub_event_id and a2.seq <= audit.seq)`.execute(db);
    await db.schema.alterTable('tenants').addColumn('history_floor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema
      .createTable('hub_event_external_ids')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('hub_event_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('hub_event_external_ids_pk', ['tenant_id', 'external_id'])
      .addUniqueConstraint('hub_event_external_ids_event', ['tenant_id', 'hub_event_id'])
      .addForeignKeyConstraint('hub_event_external_ids_event_fk', ['tenant_id', 'hub_event_id'], 'hub_events', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('response', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['tenant_id', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').columns(['created_at']).execute();
  },
};

/**
 * Dashboard sign-in (issue 13): people of a tenant with a scrypt password hash (API keys stay for
 * machines), and one-time sign-in links the CLI prints (only the token's hash is kept).
 */
const m007TenantUsers: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tenant_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_sign_in_at', 'text')
      .execute();
    await db.schema.createIndex('tenant_users_tenant').on('tenant_users').columns(['tenant_id', 'email']).execute();
    await db.schema
      .createTable('sign_in_links')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.references('tenant_users.id').onDelete('cascade'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Due-time polling (`store/repos/poll-schedule.ts`): each calendar's next poll time in epoch ms, indexed
 * so a poll tick reads only the calendars that are due. 0 is before every time: a new calendar, or one
 * whose poll settings changed, is due at once (its real next poll is computed then). A number rather
 * than the ISO text of other timestamps: its sentinels compare the same under every collation.
 */
const m008PollSchedule: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('calendars').addColumn('next_poll_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('calendars_next_poll').on('calendars').columns(['next_poll_at']).execute();
  },
};

export const STORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_initial': m001Initial,
  '002_link_write_intent': m002LinkWriteIntent,
  '003_outbox': m003Outbox,
  '004_sync_state_written': m004SyncStateWritten,
  '005_sync_state_claim': m005SyncStateClaim,
  '006_wedsync_contract': m006WedsyncContract,
  '007_tenant_users': m007TenantUsers,
  '008_poll_schedule': m008PollSchedule,
};

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Readonly<Record<string, Migration>>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.migrations };
  }
}

export interface MigrationTables {
  /** Applied-migrations table. */
  migrationTableName: string;
  /** Lock table (PostgreSQL takes an advisory lock; SQLite relies on BEGIN IMMEDIATE). */
  migrationLockTableName: string;
}

const STORE_TABLES: MigrationTables = { migrationTableName: STORE_MIGRATION_TABLE, migrationLockTableName: STORE_MIGRATION_LOCK_TABLE };

/**
 * Brings a database up to the latest schema version; returns the names of the migrations it applied.
 * Safe to call concurrently from several processes: the whole run is one transaction under the
 * migration lock (see `connect.ts` for SQLite). Other components sharing the database may call it with
 * their own migrations and tables.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  migrations: Readonly<Record<string, Migration>> = STORE_MIGRATIONS,
  tables: MigrationTables = STORE_TABLES,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(migrations), ...tables });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new CalsyncError('STORE_FAILURE', `store migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      retryable: false,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
