/**
 * The tenants' notification endpoints, in their own tables (own migrations, like the SQL queue and the
 * status bus). Each endpoint has a random signing secret, shown once at registration and stored sealed
 * (AES-256-GCM under the store's secret key, bound to the endpoint id): it cannot be hashed, because
 * every delivery must be signed with it. The table of last-known integration health (for the
 * `integration.unhealthy` sweep) lives here too.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { migrateToLatest } from '../../store/migrations.js';
import { loadSecretKey } from '../../store/secret-key.js';
import { isoNow, systemClock, type Clock } from '../../util/clock.js';
import { open as openSealed, seal } from '../../util/crypto.js';

export const ENDPOINTS_TABLE = 'calsync_notification_endpoints';
export const HEALTH_TABLE = 'calsync_integration_health';
export const SNAPSHOTS_TABLE = 'calsync_schedule_snapshots';
export const CURSOR_TABLE = 'calsync_schedule_cursor';
/** How far each endpoint has the hub's changes (`event.*` webhooks follow the change feed). */
export const FEED_CURSOR_TABLE = 'calsync_webhook_feed_cursor';
/** The open conflicts last announced per tenant (`conflict.opened` / `conflict.resolved`). */
export const CONFLICT_WATCH_TABLE = 'calsync_conflict_watch';

export type EventChangeType = 'event.created' | 'event.updated' | 'event.deleted' | 'event.restored';
export const EVENT_CHANGE_TYPES: readonly EventChangeType[] = ['event.created', 'event.updated', 'event.deleted', 'event.restored'];
export type NotificationType = EventChangeType | 'conflict.opened' | 'conflict.resolved' | 'schedule.changed' | 'integration.unhealthy';
export const NOTIFICATION_TYPES: readonly NotificationType[] = [...EVENT_CHANGE_TYPES, 'conflict.opened', 'conflict.resolved', 'schedule.changed', 'integration.unhealthy'];
/** What `webhook.test` deliveries are typed ("send test event"): any endpoint receives them. */
export const TEST_TYPE = 'webhook.test';

export interface NotificationEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description?: string;
  /** Which notifications it receives. */
  events: NotificationType[];
  /** Also sends the pre-Standard-Webhooks `X-Calsync-*` headers (kept for one release; on for endpoints registered before it). */
  legacyHeaders: boolean;
  createdAt: string;
}

export interface NotificationTables {
  [ENDPOINTS_TABLE]: { id: string; tenant_id: string; url: string; description: string | null; events: string; secret: string; created_at: string; legacy_headers: number };
  [FEED_CURSOR_TABLE]: { endpoint_id: string; tenant_id: string; seq: number | string; paused: number };
  [CONFLICT_WATCH_TABLE]: { tenant_id: string; conflict_id: string };
  [HEALTH_TABLE]: { tenant_id: string; integration_id: string; healthy: number; reasons: string; changed_at: string };
  [SNAPSHOTS_TABLE]: { tenant_id: string; hub_event_id: string; snapshot: string };
  [CURSOR_TABLE]: { tenant_id: string; seq: number | string };
}
type Tables = NotificationTables;

const MIGRATIONS: Record<string, Migration> = {
  '0001_endpoints': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable(ENDPOINTS_TABLE)
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('calsync_notification_endpoints_tenant').ifNotExists().on(ENDPOINTS_TABLE).column('tenant_id').execute();
      await db.schema
        .createTable(HEALTH_TABLE)
        .ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('integration_id', 'text', (c) => c.notNull())
        .addColumn('healthy', 'integer', (c) => c.notNull())
        .addColumn('reasons', 'text', (c) => c.notNull())
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('calsync_integration_health_pk', ['tenant_id', 'integration_id'])
        .execute();
    },
  },
  '0002_schedule_watch': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable(SNAPSHOTS_TABLE)
        .ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('hub_event_id', 'text', (c) => c.notNull())
        .addColumn('snapshot', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('calsync_schedule_snapshots_pk', ['tenant_id', 'hub_event_id'])
        .execute();
      await db.schema
        .createTable(CURSOR_TABLE)
        .ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_event_webhooks': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Endpoints registered before Standard Webhooks keep the headers their receivers check.
      await db.schema.alterTable(ENDPOINTS_TABLE).addColumn('legacy_headers', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema
        .createTable(FEED_CURSOR_TABLE)
        .ifNotExists()
        .addColumn('endpoint_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        // Set while a failed dispatch retries or waits as a dead letter: no new dispatch until it succeeds.
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable(CONFLICT_WATCH_TABLE)
        .ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conflict_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('calsync_conflict_watch_pk', ['tenant_id', 'conflict_id'])
        .execute();
    },
  },
};

const context = (id: string): string => `notification-endpoint:${id}`;

function present(row: Tables[typeof ENDPOINTS_TABLE]): NotificationEndpoint {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    url: row.url,
    ...(row.description ? { description: row.description } : {}),
    events: JSON.parse(row.events) as NotificationType[],
    legacyHeaders: Number(row.legacy_headers) === 1,
    createdAt: row.created_at,
  };
}

export class NotificationEndpoints {
  private constructor(
    /** Also used by the schedule watch (schedule-watch.ts), which keeps its tables here. */
    readonly db: Kysely<Tables>,
    private readonly secretKey: Buffer,
    private readonly clock: Clock,
  ) {}

  static async open(opts: { db: Kysely<any>; secretKey: Buffer; clock?: Clock }): Promise<NotificationEndpoints> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's schema type is not ours
    await migrateToLatest(opts.db, MIGRATIONS, { migrationTableName: 'calsync_notify_migration', migrationLockTableName: 'calsync_notify_migration_lock' });
    return new NotificationEndpoints(opts.db as Kysely<Tables>, opts.secretKey, opts.clock ?? systemClock);
  }

  /**
   * Registers an endpoint; the secret is returned here and never again. It is a Standard Webhooks secret
   * (`whsec_` + base64 of 32 random bytes), so the reference verifiers take it as it is. The endpoint
   * receives hub changes (`event.*`) made from its registration on.
   */
  async create(tenantId: string, input: { url: string; description?: string; events?: NotificationType[]; legacyHeaders?: boolean }): Promise<{ endpoint: NotificationEndpoint; secret: string }> {
    const id = randomUUID();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const row = {
      id,
      tenant_id: tenantId,
      url: input.url,
      description: input.description ?? null,
      events: JSON.stringify(input.events && input.events.length > 0 ? [...new Set(input.events)] : NOTIFICATION_TYPES),
      secret: seal(this.secretKey, secret, context(id)),
      created_at: isoNow(this.clock),
      legacy_headers: input.legacyHeaders ? 1 : 0,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto(ENDPOINTS_TABLE).values(row).execute();
      const tenant = await sql<{ seq: number | string }>`select seq from tenants where id = ${tenantId}`.execute(trx);
      await trx.insertInto(FEED_CURSOR_TABLE).values({ endpoint_id: id, tenant_id: tenantId, seq: Number(tenant.rows[0]?.seq ?? 0), paused: 0 }).execute();
    });
    return { endpoint: present(row), secret };
  }

  async list(tenantId: string, type?: NotificationType): Promise<NotificationEndpoint[]> {
    const rows = await this.db.selectFrom(ENDPOINTS_TABLE).selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
    return rows.map(present).filter((e) => type === undefined || e.events.includes(type));
  }

  /** The endpoint and its (decrypted) secret, for signing a delivery. */
  async withSecret(tenantId: string, id: string): Promise<{ endpoint: NotificationEndpoint; secret: string } | undefined> {
    const row = await this.db.selectFrom(ENDPOINTS_TABLE).selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? { endpoint: present(row), secret: openSealed(this.secretKey, row.secret, context(row.id)) } : undefined;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom(ENDPOINTS_TABLE).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    await this.db.deleteFrom(FEED_CURSOR_TABLE).where('tenant_id', '=', tenantId).where('endpoint_id', '=', id).execute();
    return Number(result.numDeletedRows) > 0;
  }

  /** The last hub seq the endpoint has been sent (or skipped past); an endpoint from before event webhooks starts at the present. */
  async feedCursor(tenantId: string, endpointId: string): Promise<number> {
    const row = await this.db.selectFrom(FEED_CURSOR_TABLE).select('seq').where('tenant_id', '=', tenantId).where('endpoint_id', '=', endpointId).executeTakeFirst();
    if (row) return Number(row.seq);
    const tenant = await sql<{ seq: number | string }>`select seq from tenants where id = ${tenantId}`.execute(this.db);
    const seq = Number(tenant.rows[0]?.seq ?? 0);
    await this.db.insertInto(FEED_CURSOR_TABLE).values({ endpoint_id: endpointId, tenant_id: tenantId, seq, paused: 0 }).onConflict((oc) => oc.column('endpoint_id').doNothing()).execute();
    return this.feedCursor(tenantId, endpointId);
  }

  /** Moves the endpoint's feed cursor compare-and-set; false when it is no longer `from`. */
  async advanceFeedCursor(tenantId: string, endpointId: string, from: number, to: number): Promise<boolean> {
    const result = await this.db.updateTable(FEED_CURSOR_TABLE).set({ seq: to }).where('tenant_id', '=', tenantId).where('endpoint_id', '=', endpointId).where('seq', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Pauses (a dispatch failed: it retries, or waits as a dead letter) or resumes the endpoint's event-webhook dispatches. */
  async setFeedPaused(tenantId: string, endpointId: string, paused: boolean): Promise<void> {
    await this.db.updateTable(FEED_CURSOR_TABLE).set({ paused: paused ? 1 : 0 }).where('tenant_id', '=', tenantId).where('endpoint_id', '=', endpointId).execute();
  }

  /** Endpoints taking `event.*` whose feed cursor is behind their tenant's latest change (one query, every tenant). */
  async behindFeed(): Promise<{ tenantId: string; endpointId: string }[]> {
    const rows = await sql<{ tenant_id: string; endpoint_id: string; events: string }>`
      select c.tenant_id, c.endpoint_id, e.events from ${sql.table(FEED_CURSOR_TABLE)} c
      join ${sql.table(ENDPOINTS_TABLE)} e on e.id = c.endpoint_id
      join tenants t on t.id = c.tenant_id
      where t.seq > c.seq and c.paused = 0`.execute(this.db);
    return rows.rows.filter((r) => (JSON.parse(r.events) as string[]).some((t) => t.startsWith('event.'))).map((r) => ({ tenantId: r.tenant_id, endpointId: r.endpoint_id }));
  }

  /** Records an integration's health; returns true when it changed (or was first seen unhealthy). */
  async recordHealth(tenantId: string, integrationId: string, healthy: boolean, reasons: string[]): Promise<boolean> {
    const previous = await this.db.selectFrom(HEALTH_TABLE).select('healthy').where('tenant_id', '=', tenantId).where('integration_id', '=', integrationId).executeTakeFirst();
    const wasHealthy = previous === undefined ? true : Number(previous.healthy) === 1;
    const row = { tenant_id: tenantId, integration_id: integrationId, healthy: healthy ? 1 : 0, reasons: JSON.stringify(reasons), changed_at: isoNow(this.clock) };
    if (previous === undefined) await this.db.insertInto(HEALTH_TABLE).values(row).execute();
    else if (wasHealthy !== healthy) await this.db.updateTable(HEALTH_TABLE).set(row).where('tenant_id', '=', tenantId).where('integration_id', '=', integrationId).execute();
    return wasHealthy !== healthy;
  }
}

/** The endpoints of a running process, on its store's database and secret key. */
export async function openNotificationEndpoints(runtime: { config: { dataDir: string; secretKey?: string | undefined }; store: { db: Kysely<any> }; clock: Clock }): Promise<NotificationEndpoints> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the store's schema type is not ours
  return NotificationEndpoints.open({ db: runtime.store.db, secretKey: loadSecretKey(runtime.config.dataDir, runtime.config.secretKey), clock: runtime.clock });
}
