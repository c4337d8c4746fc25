/**
 * The Store over Kysely. Transactions are tracked with AsyncLocalStorage: inside `transaction(fn)`
 * every repository call — through the store handed to `fn` or the outer store object — runs on the
 * transaction's connection. Besides atomicity this matters on SQLite, where the single connection is
 * held by the transaction: a call that bypassed it would wait for itself forever.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../util/clock.js';
import type { Dialect } from './connect.js';
import type { RepoContext } from './context.js';
import { SqlApiKeyRepo } from './repos/api-keys.js';
import { SqlCalendarRepo } from './repos/calendars.js';
import { SqlChangeFeedRepo } from './repos/changes.js';
import { SqlExternalIdRepo } from './repos/external-ids.js';
import { SqlConflictRepo } from './repos/conflicts.js';
import { SqlHubEventRepo } from './repos/hub-events.js';
import { SqlIdempotencyRepo } from './repos/idempotency.js';
import { SqlIntegrationRepo } from './repos/integrations.js';
import { SqlLinkRepo } from './repos/links.js';
import { SqlOutboxRepo } from './repos/outbox.js';
import { SqlPollScheduleRepo } from './repos/poll-schedule.js';
import { SqlSyncStateRepo } from './repos/sync-state.js';
import { SqlTenantRepo } from './repos/tenants.js';
import { SqlSignInLinkRepo, SqlTenantUserRepo } from './repos/tenant-users.js';
import type { StoreDatabase } from './schema.js';
import type { Store } from './types.js';

export interface SqlStoreOptions {
  db: Kysely<StoreDatabase>;
  dialect: Dialect;
  clock: Clock;
  secretKey: Buffer;
  /** Where the data lives (file path or redacted URL), for `doctor` and logs. */
  location: string;
}

export class SqlStore implements Store {
  /** The root database. Other components (the SQL job queue) may add their own tables to it. */
  readonly db: Kysely<StoreDatabase>;
  readonly dialect: Dialect;
  readonly location: string;
  readonly clock: Clock;
  readonly tenants: SqlTenantRepo;
  readonly apiKeys: SqlApiKeyRepo;
  readonly integrations: SqlIntegrationRepo;
  readonly calendars: SqlCalendarRepo;
  readonly events: SqlHubEventRepo;
  readonly links: SqlLinkRepo;
  readonly syncState: SqlSyncStateRepo;
  readonly conflicts: SqlConflictRepo;
  readonly outbox: SqlOutboxRepo;
  readonly pollSchedule: SqlPollScheduleRepo;
  readonly changes: SqlChangeFeedRepo;
  readonly externalIds: SqlExternalIdRepo;
  readonly idempotency: SqlIdempotencyRepo;
  readonly users: SqlTenantUserRepo;
  readonly signInLinks: SqlSignInLinkRepo;

  /** The open transaction of the calling async context, and the tenants whose hub it wrote. */
  private readonly current = new AsyncLocalStorage<{ trx: Kysely<StoreDatabase>; hubWrites: Set<string> }>();
  private readonly commitListeners = new Set<(tenantId: string) => void>();
  private closed = false;

  constructor(opts: SqlStoreOptions) {
    this.db = opts.db;
    this.dialect = opts.dialect;
    this.location = opts.location;
    this.clock = opts.clock;
    const ctx: RepoContext = {
      dialect: opts.dialect,
      clock: opts.clock,
      secretKey: opts.secretKey,
      db: () => this.executor(),
      atomic: (fn) => this.transaction(() => fn()),
      hubWritten: (tenantId) => this.current.getStore()?.hubWrites.add(tenantId),
    };
    this.tenants = new SqlTenantRepo(ctx);
    this.apiKeys = new SqlApiKeyRepo(ctx);
    this.integrations = new SqlIntegrationRepo(ctx);
    this.calendars = new SqlCalendarRepo(ctx);
    this.events = new SqlHubEventRepo(ctx);
    this.links = new SqlLinkRepo(ctx);
    this.syncState = new SqlSyncStateRepo(ctx);
    this.conflicts = new SqlConflictRepo(ctx);
    this.pollSchedule = new SqlPollScheduleRepo(ctx);
    this.users = new SqlTenantUserRepo(ctx);
    this.signInLinks = new SqlSignInLinkRepo(ctx);
    this.outbox = new SqlOutboxRepo(ctx, (listener) => {
      this.commitListeners.add(listener);
      return () => void this.commitListeners.delete(listener);
    });
    this.changes = new SqlChangeFeedRepo(ctx);
    this.externalIds = new SqlExternalIdRepo(ctx);
    this.idempotency = new SqlIdempotencyRepo(ctx);
  }

  /**
   * The executor for the calling async context: the open transaction inside `transaction(fn)`, the
   * root database otherwise. Code sharing this database (e.g. enqueueing a job atomically with a hub
   * write) should query through this rather than `db`.
   */
  executor(): Kysely<StoreDatabase> {
    return this.current.getStore()?.trx ?? this.db;
  }

  /** True inside `transaction(fn)`. */
  inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction()) return fn(this);
    const hubWrites = new Set<string>();
    const result = await this.db.transaction().execute((trx) => this.current.run({ trx, hubWrites }, () => fn(this)));
    // Committed: the outbox rows are visible now. A listener's failure is its own (the write stands).
    for (const tenantId of hubWrites) {
      for (const listener of this.commitListeners) {
        try {
          listener(tenantId);
        } catch {
          // The drainer's poll finds the change anyway.
        }
      }
    }
    return result;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.executor());
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}
