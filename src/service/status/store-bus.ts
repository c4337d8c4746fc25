/**
 * The status bus on the store's database, for deployments without Redis: a publish inserts a row into
 * `calsync_status_events`; every bus with subscribers polls for rows newer than its cursor (~250 ms).
 * Rows are pruned after `retentionMs`. The table has its own migrations (like the SQL queue), so any
 * store database — SQLite or PostgreSQL — can carry it without touching the store's schema.
 */
import { randomUUID } from 'node:crypto';
import type { Generated, Kysely, Migration } from 'kysely';
import { migrateToLatest } from '../../store/migrations.js';
import { systemClock, type Clock } from '../../util/clock.js';
import type { StatusBus, StatusListener } from './bus.js';
import { LocalFanout } from './bus.js';
import type { StatusEvent } from './events.js';

export const STATUS_EVENTS_TABLE = 'calsync_status_events';

interface StatusEventsTable {
  id: Generated<number | string>;
  tenant_id: string;
  origin: string;
  payload: string;
  created_at: number | string;
}
interface StatusDatabase {
  [STATUS_EVENTS_TABLE]: StatusEventsTable;
}

function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001_status_events': {
      async up(db: Kysely<unknown>): Promise<void> {
        let table = db.schema.createTable(STATUS_EVENTS_TABLE).ifNotExists();
        table =
          dialect === 'postgres'
            ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
            : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
        await table
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('origin', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('calsync_status_events_created').ifNotExists().on(STATUS_EVENTS_TABLE).column('created_at').execute();
      },
    },
  };
}

export interface StoreStatusBusOptions {
  db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's schema type is not ours
  dialect: 'sqlite' | 'postgres';
  clock?: Clock;
  /** Poll interval while anyone subscribes (default 250 ms). */
  pollMs?: number;
  /** How long rows are kept (default 10 minutes). */
  retentionMs?: number;
}

/**
 * On PostgreSQL two concurrent inserts may commit out of id order, so a poll also looks back over the
 * last `LOOKBACK_MS` and skips the rows it has already seen.
 */
const LOOKBACK_MS = 2_000;
const PRUNE_EVERY_MS = 60_000;

export class StoreStatusBus implements StatusBus {
  readonly backend = 'store' as const;
  private readonly origin = randomUUID();
  private readonly db: Kysely<StatusDatabase>;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly retentionMs: number;
  private readonly fanout = new LocalFanout();
  private cursor: number | undefined;
  private readonly seen = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private lastPrune = 0;
  /** When the current subscription period began: older rows are history, not live status. */
  private liveSince = 0;
  private closed = false;

  private constructor(opts: StoreStatusBusOptions) {
    this.db = opts.db as Kysely<StatusDatabase>;
    this.clock = opts.clock ?? systemClock;
    this.pollMs = opts.pollMs ?? 250;
    this.retentionMs = opts.retentionMs ?? 10 * 60_000;
  }

  static async open(opts: StoreStatusBusOptions): Promise<StoreStatusBus> {
    await migrateToLatest(opts.db, migrations(opts.dialect), {
      migrationTableName: 'calsync_status_migration',
      migrationLockTableName: 'calsync_status_migration_lock',
    });
    const bus = new StoreStatusBus(opts);
    await bus.startCursor();
    return bus;
  }

  /** Only events published from now on are delivered: the live channel does not replay history. */
  private async startCursor(): Promise<void> {
    const row = await this.db.selectFrom(STATUS_EVENTS_TABLE).select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
    this.cursor = Number(row?.max ?? 0);
  }

  async publish(event: StatusEvent): Promise<void> {
    this.fanout.deliver(event);
    const now = this.clock.now();
    await this.db
      .insertInto(STATUS_EVENTS_TABLE)
      .values({ tenant_id: event.tenantId, origin: this.origin, payload: JSON.stringify(event), created_at: now })
      .execute();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.db.deleteFrom(STATUS_EVENTS_TABLE).where('created_at', '<', now - this.retentionMs).execute();
    }
  }

  subscribe(tenantId: string, listener: StatusListener): () => void {
    const off = this.fanout.add(tenantId, listener);
    if (!this.timer) {
      this.liveSince = this.clock.now();
      this.timer = setInterval(() => void this.pollOnce(), this.pollMs);
    }
    return () => {
      off();
      if (this.fanout.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** One poll (the timer calls it; tests may too). Overlapping polls are joined, not doubled. */
  pollOnce(): Promise<void> {
    return (this.polling ??= this.poll().finally(() => (this.polling = undefined)));
  }

  private async poll(): Promise<void> {
    if (this.closed) return;
    const since = this.clock.now() - LOOKBACK_MS;
    let rows: { id: number | string; origin: string; payload: string; created_at: number | string }[];
    try {
      rows = await this.db
        .selectFrom(STATUS_EVENTS_TABLE)
        .selectAll()
        .where((eb) => eb.or([eb('id', '>', this.cursor ?? 0), eb('created_at', '>=', since)]))
        .orderBy('id')
        .limit(1000)
        .execute();
    } catch {
      return; // the database is away for a moment; the next tick tries again
    }
    for (const row of rows) {
      const id = Number(row.id);
      if (this.seen.has(id)) continue;
      this.seen.set(id, Number(row.created_at));
      if (id > (this.cursor ?? 0)) this.cursor = id;
      if (row.origin === this.origin || Number(row.created_at) < this.liveSince) continue;
      this.fanout.deliver(JSON.parse(row.payload) as StatusEvent);
    }
    for (const [id, createdAt] of this.seen) if (createdAt < since - LOOKBACK_MS) this.seen.delete(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.fanout.clear();
    await this.polling;
  }
}
