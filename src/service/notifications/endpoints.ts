/**
 * The tenants' notification endpoints, in their own tables (own migrations, like the SQL queue and the
 * status bus). Each endpoint has a random signing secret, shown once at registration and stored sealed
 * (AES-256-GCM under the store's secret key, bound to the endpoint id): it cannot be hashed, because
 * every delivery must be signed with it. The table of last-known integration health (for the
 * `integration.unhealthy` sweep) lives here too.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import { migrateToLatest } from '../../store/migrations.js';
import { loadSecretKey } from '../../store/secret-key.js';
import { isoNow, systemClock, type Clock } from '../../util/clock.js';
import { open as openSealed, seal } from '../../util/crypto.js';

export const ENDPOINTS_TABLE = 'calsync_notification_endpoints';
export const HEALTH_TABLE = 'calsync_integration_health';
export const SNAPSHOTS_TABLE = 'calsync_schedule_snapshots';
export const CURSOR_TABLE = 'calsync_schedule_cursor';

export type NotificationType = 'schedule.changed' | 'integration.unhealthy';
export const NOTIFICATION_TYPES: readonly NotificationType[] = ['schedule.changed', 'integration.unhealthy'];

export interface NotificationEndpoint {
  id: string;
  tenantId: string;
  url: string;
  description?: string;
  /** Which notifications it receives. */
  events: NotificationType[];
  createdAt: string;
}

export interface NotificationTables {
  [ENDPOINTS_TABLE]: { id: string; tenant_id: string; url: string; description: string | null; events: string; secret: string; created_at: string };
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
};

const context = (id: string): string => `notification-endpoint:${id}`;

function present(row: Tables[typeof ENDPOINTS_TABLE]): NotificationEndpoint {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    url: row.url,
    ...(row.description ? { description: row.description } : {}),
    events: JSON.parse(row.events) as NotificationType[],
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

  /** Registers an endpoint; the secret is returned here and never again. */
  async create(tenantId: string, input: { url: string; description?: string; events?: NotificationType[] }): Promise<{ endpoint: NotificationEndpoint; secret: string }> {
    const id = randomUUID();
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const row = {
      id,
      tenant_id: tenantId,
      url: input.url,
      description: input.description ?? null,
      events: JSON.stringify(input.events && input.events.length > 0 ? [...new Set(input.events)] : NOTIFICATION_TYPES),
      secret: seal(this.secretKey, secret, context(id)),
      created_at: isoNow(this.clock),
    };
    await this.db.insertInto(ENDPOINTS_TABLE).values(row).execute();
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
    return Number(result.numDeletedRows) > 0;
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
