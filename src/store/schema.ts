/**
 * The store's tables as Kysely sees them. Portable choices, the same on both dialects:
 * - JSON is stored as text (serialized by the repositories), so SQLite and PostgreSQL round-trip it alike;
 * - timestamps are ISO-8601 UTC text from the injected clock (fixed width, so they sort as text);
 * - booleans are integers 0/1;
 * - counters are bigint in PostgreSQL, which `pg` returns as strings: read them through `toNumber`.
 */
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  /** Last hub-event seq handed out; bumped in the writing transaction (row lock = commit order). */
  seq: number | string;
  /** The highest seq whose history was pruned (migration 006): feed cursors below it answer 410. */
  history_floor: Generated<number | string>;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  label: string;
  prefix: string;
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface IntegrationsTable {
  id: string;
  tenant_id: string;
  provider: string;
  name: string;
  config: string;
  status: string;
  status_reason: string | null;
  conflict_rules: string;
  /** AES-256-GCM sealed JSON (`v1.…`), bound to the integration id. */
  credentials: string;
  created_at: string;
  updated_at: string;
}

export interface CalendarsTable {
  id: string;
  tenant_id: string;
  integration_id: string;
  remote_id: string;
  name: string;
  color: string | null;
  enabled: number;
  direction: string;
  conflict_rules: string | null;
  poll_interval_s: number | null;
  created_at: string;
  updated_at: string;
  /** Next poll time, epoch ms (bigint); 0 = due now, `POLL_HANDED_OFF` = on the Redis schedule (migration 008). */
  next_poll_at: Generated<number | string>;
}

export interface HubEventsTable {
  id: string;
  tenant_id: string;
  uid: string;
  event: string;
  version: number;
  seq: number | string;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditTable {
  id: string;
  tenant_id: string;
  hub_event_id: string;
  /** The hub event's seq after this change: orders history without relying on clock resolution. */
  seq: number | string;
  source: string;
  action: string;
  before: string | null;
  after: string | null;
  at: string;
  /** The event's version after this change (migration 006). */
  version: number | null;
}

/** WedSync's own id of a hub event, unique per tenant (migration 006). */
export interface HubEventExternalIdsTable {
  tenant_id: string;
  external_id: string;
  hub_event_id: string;
}

/** The first answer to a write sent with an `Idempotency-Key` (migration 006). */
export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  /** Hash of method, route and body: the same key with another request is refused. */
  request_hash: string;
  status: number;
  /** The JSON body of the first answer. */
  response: string;
  created_at: string;
}

export interface LinksTable {
  id: string;
  tenant_id: string;
  hub_event_id: string;
  calendar_id: string;
  remote_id: string;
  etag: string;
  base: string;
  base_hash: string;
  last_synced_at: string;
  /** JSON `WriteIntent`, or null. */
  write_intent: string | null;
  /** JSON `LastPush`, or null. */
  last_push: string | null;
}

export interface SyncStateTable {
  calendar_id: string;
  tenant_id: string;
  cursor: string | null;
  hub_seq: number | string;
  last_sync_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  push: string | null;
  /** JSON `WrittenSinceCursor` (migration 004). */
  written: string | null;
  /** The running sync's claim (migration 005). */
  claim: string | null;
}

export interface ConflictsTable {
  id: string;
  tenant_id: string;
  calendar_id: string;
  hub_event_id: string;
  link_id: string | null;
  type: string;
  fields: string;
  base: string | null;
  hub: string | null;
  remote: string | null;
  remote_etag: string | null;
  status: string;
  resolution: string | null;
  created_at: string;
  resolved_at: string | null;
}

/** The outbox drainer's mark per tenant: every change with seq ≤ drained_seq has its propagation dispatched. */
export interface OutboxProgressTable {
  tenant_id: string;
  drained_seq: number | string;
  updated_at: string;
}

/** Store-wide facts (the key check value). */
export interface StoreMetaTable {
  key: string;
  value: string;
}

export interface TenantUsersTable {
  id: string;
  tenant_id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  created_at: string;
  last_sign_in_at: string | null;
}

export interface SignInLinksTable {
  id: string;
  tenant_id: string;
  user_id: string | null;
  token_hash: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface StoreDatabase {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  integrations: IntegrationsTable;
  calendars: CalendarsTable;
  hub_events: HubEventsTable;
  audit: AuditTable;
  links: LinksTable;
  sync_state: SyncStateTable;
  conflicts: ConflictsTable;
  store_meta: StoreMetaTable;
  outbox_progress: OutboxProgressTable;
  hub_event_external_ids: HubEventExternalIdsTable;
  idempotency_keys: IdempotencyKeysTable;
  tenant_users: TenantUsersTable;
  sign_in_links: SignInLinksTable;
}

/** bigint columns come back as strings from `pg` and as numbers from node:sqlite. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/** `calendars.next_poll_at` of a new calendar or one whose poll settings changed: due at once (the poller computes the real time). */
export const POLL_NOW = 0;
/** `calendars.next_poll_at` of a calendar whose schedule lives in Redis (`service/poll-schedule-redis.ts`): after every real time. */
export const POLL_HANDED_OFF = Number.MAX_SAFE_INTEGER;
