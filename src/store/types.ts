/**
 * The store contract. One interface, two backends (SQLite via node:sqlite, PostgreSQL via pg, both
 * through Kysely), one conformance suite (`test/store/conformance.ts`) run against both.
 *
 * Rules every method follows:
 * - Every read and write is scoped to a tenant: a row of another tenant is "not found", never returned.
 * - Methods that must be atomic are one transaction; `transaction(fn)` runs several calls atomically.
 * - Link and hub-event updates are compare-and-set: they name the value they expect to replace and
 *   throw `StoreConflictError` when the row moved.
 * - Secrets (integration credentials, Graph clientState, tokens) are encrypted at rest (AES-256-GCM) and
 *   decrypted only by the `…Secret`/`credentials` accessors.
 */
import type { CalendarEvent, HubEvent } from '../model/event.js';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  label: string;
  /** First characters of the key, for display (`csk_ab12…`). */
  prefix: string;
  createdAt: string;
  lastUsedAt?: string;
}

export type ProviderKind = 'caldav' | 'icloud' | 'outlook' | 'memory';
export type IntegrationStatus = 'active' | 'needs_reauth' | 'flagged' | 'disabled';

/** Conflict resolution rules (product.md). */
export type ConflictRule = 'provider_wins' | 'wedsync_wins' | 'newest_wins' | 'merge' | 'manual';
export type ConflictType = 'field' | 'edit_delete' | 'delete_edit' | 'wedding_critical';

export interface ConflictRules {
  /** Rule per conflict type; absent types use `default`. */
  byType?: Partial<Record<ConflictType, ConflictRule>>;
  default?: ConflictRule;
  /**
   * Wedding-critical guard escape hatch: only rules named here may resolve a date/time/place conflict
   * or a deletion of a high-priority event automatically. Keys are `<conflictType>:<field>` (e.g.
   * `field:start`, `edit_delete:*`).
   */
  weddingCritical?: Record<string, ConflictRule>;
}

export interface Integration {
  id: string;
  tenantId: string;
  provider: ProviderKind;
  name: string;
  /** Non-secret settings (server URL, username, Graph base URL, delta window…). */
  config: Record<string, unknown>;
  status: IntegrationStatus;
  /** Why the integration is flagged / needs re-auth (human readable). */
  statusReason?: string;
  conflictRules: ConflictRules;
  createdAt: string;
  updatedAt: string;
}

export type SyncDirection = 'two_way' | 'import_only' | 'export_only';

export interface CalendarRecord {
  id: string;
  tenantId: string;
  integrationId: string;
  /** Provider id: CalDAV collection href, Graph calendar id. */
  remoteId: string;
  name: string;
  color?: string;
  enabled: boolean;
  direction: SyncDirection;
  /** Overrides the integration's rules when set. */
  conflictRules?: ConflictRules;
  /** Seconds between polls (CalDAV); null = provider default. */
  pollIntervalS?: number;
  createdAt: string;
  updatedAt: string;
}

/** Per-calendar change-detection state. Written compare-and-set by the engine at the end of a sync. */
export interface SyncState {
  calendarId: string;
  /** Provider cursor: CTag + sync-token (CalDAV) or deltaLink (Graph), opaque to the engine. */
  cursor?: string;
  /** Highest hub `seq` already pushed to this calendar. */
  hubSeq: number;
  lastSyncAt?: string;
  lastSuccessAt?: string;
  lastError?: string;
  /** Subscription / push registration, provider-specific (Graph subscription id + expiry, …). Written only by `setPush`. */
  push?: Record<string, unknown>;
  /**
   * Calendar items this calendar's syncs wrote after `cursor` was taken: the next sync checks them
   * whatever the listing says (a content-hash CTag/sync-token returns to `cursor` when another client
   * undoes our write, and would hide that). Absent: none.
   */
  written?: WrittenSinceCursor;
  /**
   * The claim of the sync that last started on this calendar (see `sync/fence.ts`): a sync holds the
   * calendar only while the stored claim is its own.
   */
  claim?: string;
}

/** One calendar item written since the cursor: by remote id, or by hub event for a create whose link is not known yet. */
export interface WrittenItem {
  remoteId?: string;
  hubEventId?: string;
  /** The etag saved on the link after the write; absent: unknown or deleted (always re-read). */
  etag?: string;
  /**
   * A create's: short hashes of the hub event contents our creates of this item sent (`sentHash`,
   * src/sync/sent.ts), so a create whose link was never saved is merged against what it sent.
   */
  sent?: string[];
  /**
   * A create's: its request may have reached the server but no answer came (the connection dropped, a
   * timeout, a 5xx). If the item is not in the calendar now, either it never landed or someone deleted it
   * there before calsync saw it — no listing can tell the two apart (`plan.ts`, `createAgain`).
   */
  unsure?: true;
  /**
   * A create's, saved before the run executes: set until that run completes. Found on a later sync, the
   * run died (a crash) — its create may have been sent or not; it counts as `unsure`.
   */
  pending?: true;
}

export interface WrittenSinceCursor {
  items: WrittenItem[];
  /** Too many to check one by one: the next sync lists the whole calendar instead. */
  full?: boolean;
}

/**
 * A write to the calendar calsync is about to make, recorded on the link before the request and cleared
 * by the link save that follows it. Found still set on a later sync, it means the write may have landed
 * without its link being saved: a calendar copy equal to `event` is our own write, not an edit.
 */
export interface WriteIntent {
  /** The event as sent to the calendar. */
  event: CalendarEvent;
  /** The calendar etag the write was conditioned on (If-Match). */
  etag: string;
  /**
   * The hub's event when the write was planned. Fields where it differs from `event` came from the
   * calendar (a merge) and had not reached the hub yet: if the write landed but the hub write after it
   * did not, those are still the calendar's changes for the hub.
   */
  hub?: CalendarEvent;
}

/** The last push of the hub's version to the calendar: what the loop detector compares. */
export interface LastPush {
  /** The hub version the push left the event at. */
  hubVersion: number;
  /** The link etag the push left (the calendar's etag after our write). */
  etag: string;
  /** Pushes in a row with neither the hub version nor the calendar's copy moving in between. */
  count: number;
}

/** hub event ⇄ remote item. */
export interface Link {
  id: string;
  tenantId: string;
  hubEventId: string;
  calendarId: string;
  /** CalDAV href / Graph event id. */
  remoteId: string;
  /** ETag / changeKey of the remote item as of `base`. */
  etag: string;
  /** The event as both sides last agreed on it: the merge base. */
  base: CalendarEvent;
  /** Hash of `base` (see `model/hash.ts`). */
  baseHash: string;
  lastSyncedAt: string;
  /** A calendar write started but whose link save was not seen (see `WriteIntent`). */
  writeIntent?: WriteIntent;
  /** The last push to the calendar (see `LastPush`). */
  lastPush?: LastPush;
}

export type ConflictStatus = 'open' | 'resolved';

export interface ConflictRecord {
  id: string;
  tenantId: string;
  calendarId: string;
  hubEventId: string;
  linkId?: string;
  type: ConflictType;
  /** Model field names involved (`start`, `location`, …). */
  fields: string[];
  base?: CalendarEvent;
  hub?: CalendarEvent;
  remote?: CalendarEvent;
  /** Remote etag at detection time: resolving writes with it as precondition. */
  remoteEtag?: string;
  status: ConflictStatus;
  resolution?: { take: 'wedsync' | 'provider' | 'merge' | 'fields'; fields?: Record<string, 'wedsync' | 'provider'>; by: string };
  createdAt: string;
  resolvedAt?: string;
}

export type ChangeSource = 'wedsync' | 'api' | 'cli' | `calendar:${string}` | 'restore' | 'conflict';

export interface AuditEntry {
  id: string;
  tenantId: string;
  hubEventId: string;
  source: ChangeSource;
  action: 'create' | 'update' | 'delete' | 'restore';
  before?: CalendarEvent;
  after?: CalendarEvent;
  at: string;
}

/** An event's canonical JSON and its hash, as `canonicalWithHash` (model/hash.ts) makes them. */
export interface CanonicalEvent {
  text: string;
  hash: string;
}

export interface PutHubEventInput {
  /** Omit to create (a new id is generated). */
  id?: string;
  event: CalendarEvent;
  /**
   * `canonicalWithHash(event)` when the caller has it already (an import that stores the same content
   * as a link base): stored as the event's JSON instead of serializing it again.
   */
  canonical?: CanonicalEvent;
  /** For updates: the version the caller read; a mismatch throws StoreConflictError. */
  expectedVersion?: number;
  source: ChangeSource;
}

export interface TenantRepo {
  /** The tenant named `default`, created on first call. */
  ensureDefault(): Promise<Tenant>;
  create(name: string): Promise<Tenant>;
  get(id: string): Promise<Tenant | undefined>;
  getByName(name: string): Promise<Tenant | undefined>;
  list(): Promise<Tenant[]>;
}

export interface ApiKeyRepo {
  /** Creates a key; the plain key is returned once and only its hash is stored. */
  create(tenantId: string, label: string): Promise<{ key: string; record: ApiKeyRecord }>;
  /** Constant-time check; returns the key's tenant or undefined. */
  verify(key: string): Promise<{ tenant: Tenant; record: ApiKeyRecord } | undefined>;
  list(tenantId: string): Promise<ApiKeyRecord[]>;
  revoke(tenantId: string, id: string): Promise<boolean>;
}

/** A person who signs in to the dashboard (API keys are for machines). */
export interface TenantUser {
  id: string;
  tenantId: string;
  /** Lower-cased; unique across tenants (a sign-in names no tenant). */
  email: string;
  name?: string;
  createdAt: string;
  lastSignInAt?: string;
}

export interface TenantUserRepo {
  /** `passwordHash` is a `util/password.ts` hash (or absent: the user signs in by one-time link only). Throws VALIDATION when the email is taken. */
  create(tenantId: string, input: { email: string; name?: string; passwordHash?: string }): Promise<TenantUser>;
  get(tenantId: string, id: string): Promise<TenantUser | undefined>;
  /** A user of any tenant by email, with the stored hash and the tenant (sign-in). */
  findForSignIn(email: string): Promise<{ user: TenantUser; tenant: Tenant; passwordHash?: string } | undefined>;
  /** A user and their tenant by user id (a session re-checks that its user still exists). */
  getWithTenant(id: string): Promise<{ user: TenantUser; tenant: Tenant } | undefined>;
  list(tenantId: string): Promise<TenantUser[]>;
  setPassword(tenantId: string, id: string, passwordHash: string): Promise<void>;
  touchSignIn(id: string): Promise<void>;
  remove(tenantId: string, id: string): Promise<boolean>;
}

/** One-time sign-in links (`calsync signin-link`): only the token's hash is stored. */
export interface SignInLinkRepo {
  /** Stores a new link for the tenant (optionally for one user) valid until `expiresAt`; returns the token once. */
  issue(tenantId: string, input: { userId?: string; expiresAt: string }): Promise<{ token: string }>;
  /** Spends the link: its tenant (and user) once, if unexpired and unused; undefined otherwise. */
  redeem(token: string): Promise<{ tenant: Tenant; userId?: string } | undefined>;
}

export interface IntegrationRepo {
  create(
    tenantId: string,
    input: { provider: ProviderKind; name: string; config: Record<string, unknown>; credentials: Record<string, unknown>; conflictRules?: ConflictRules },
  ): Promise<Integration>;
  get(tenantId: string, id: string): Promise<Integration | undefined>;
  getByName(tenantId: string, name: string): Promise<Integration | undefined>;
  list(tenantId: string): Promise<Integration[]>;
  update(tenantId: string, id: string, patch: Partial<Pick<Integration, 'name' | 'config' | 'status' | 'statusReason' | 'conflictRules'>>): Promise<Integration>;
  /** Decrypted credentials (password, tokens, MSAL cache, clientStates…). */
  getCredentials(tenantId: string, id: string): Promise<Record<string, unknown>>;
  setCredentials(tenantId: string, id: string, credentials: Record<string, unknown>): Promise<void>;
  /** Deletes the integration, its calendars, links, sync state and credentials. Hub events stay. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

export interface CalendarRepo {
  /** Insert or update by (integration, remoteId); keeps `enabled`/`direction` of an existing row. */
  upsert(tenantId: string, integrationId: string, input: { remoteId: string; name: string; color?: string; enabled?: boolean }): Promise<CalendarRecord>;
  get(tenantId: string, id: string): Promise<CalendarRecord | undefined>;
  list(tenantId: string, integrationId?: string): Promise<CalendarRecord[]>;
  update(tenantId: string, id: string, patch: Partial<Pick<CalendarRecord, 'name' | 'color' | 'enabled' | 'direction' | 'conflictRules' | 'pollIntervalS'>>): Promise<CalendarRecord>;
}

/** A calendar handed out by the poll schedule. */
export interface PollClaim {
  tenantId: string;
  calendarId: string;
}

/** What deciding a claimed calendar's poll needs, read for a whole batch at once. */
export interface PollCandidate {
  calendar: CalendarRecord;
  /** Absent when the integration is gone (a calendar being deleted with it). */
  integration?: Pick<Integration, 'id' | 'provider' | 'config' | 'status'>;
  lastSyncAt?: string;
  push?: Record<string, unknown>;
}

/** The next poll of a calendar, epoch ms. */
export interface PollTime {
  calendarId: string;
  at: number;
}

/**
 * Due-time polling (migration 008). Unlike the other repositories it spans tenants: the poller serves
 * every tenant. Changes that can make a calendar due sooner (a new calendar, its interval, enabling it,
 * its integration's status or settings, its push registration) reset its next poll to "now" in the
 * writing repository; the poller then computes the real one.
 */
export interface PollScheduleRepo {
  /**
   * Atomically takes up to `limit` calendars whose next poll is at or before `now` (the earliest; the answer's order is not promised) and
   * moves each to `until`: a concurrent claimer — in this process or another — never gets the same one
   * (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one write statement).
   */
  claimDue(now: number, limit: number, until: number): Promise<PollClaim[]>;
  /** The calendars, their integrations and sync states, one read. Calendars gone are left out. */
  candidates(calendarIds: readonly string[]): Promise<PollCandidate[]>;
  /** Sets next poll times (one statement per few hundred). */
  reschedule(times: readonly PollTime[]): Promise<void>;
  /** The earliest next poll before `before` (epoch ms), or undefined when there is none. */
  nextDueAt(before?: number): Promise<number | undefined>;
  /** Makes every calendar whose next poll is `at` due now (after the Redis schedule was lost); how many. */
  releaseAt(at: number): Promise<number>;
}

export interface HubEventRepo {
  get(tenantId: string, id: string, opts?: { includeDeleted?: boolean }): Promise<HubEvent | undefined>;
  getByUid(tenantId: string, uid: string, opts?: { includeDeleted?: boolean }): Promise<HubEvent | undefined>;
  getMany(tenantId: string, ids: readonly string[]): Promise<HubEvent[]>;
  list(tenantId: string, opts?: { includeDeleted?: boolean; limit?: number; after?: string }): Promise<HubEvent[]>;
  /** Hub events (including tombstones) whose seq is greater than `seq`, ascending by seq. */
  changedSince(tenantId: string, seq: number, limit?: number): Promise<HubEvent[]>;
  /** Current highest seq of the tenant (0 when empty). */
  maxSeq(tenantId: string): Promise<number>;
  /** Create or update, bumping version and seq, writing an audit entry — one transaction. */
  put(tenantId: string, input: PutHubEventInput): Promise<HubEvent>;
  /** Many puts in one transaction (initial imports); all or nothing. Results in input order. */
  putMany(tenantId: string, inputs: readonly PutHubEventInput[]): Promise<HubEvent[]>;
  /** Tombstone (keeps the row and the last content); audit entry. Idempotent on an already-deleted event. */
  delete(tenantId: string, id: string, opts: { source: ChangeSource; expectedVersion?: number }): Promise<HubEvent>;
  /** Undelete / roll back to the `after` of an audit entry; audit entry with action `restore`. */
  restore(tenantId: string, id: string, opts: { auditId?: string; source: ChangeSource }): Promise<HubEvent>;
  history(tenantId: string, id: string): Promise<AuditEntry[]>;
}

export interface LinkRepo {
  get(tenantId: string, id: string): Promise<Link | undefined>;
  listByCalendar(tenantId: string, calendarId: string): Promise<Link[]>;
  countByCalendar(tenantId: string, calendarId: string): Promise<number>;
  getByRemote(tenantId: string, calendarId: string, remoteId: string): Promise<Link | undefined>;
  getByHubEvent(tenantId: string, calendarId: string, hubEventId: string): Promise<Link | undefined>;
  listByHubEvent(tenantId: string, hubEventId: string): Promise<Link[]>;
  /** Throws StoreConflictError when (calendar, remoteId) or (calendar, hubEvent) already has a link. */
  create(tenantId: string, input: Omit<Link, 'id' | 'tenantId' | 'baseHash' | 'lastSyncedAt' | 'writeIntent'>): Promise<Link>;
  /**
   * Many creates in one transaction (initial imports); all or nothing. `baseCanonical`, when given, must
   * be `canonicalWithHash(base)`: it is stored instead of serializing and hashing the base again.
   */
  createMany(tenantId: string, inputs: readonly (Omit<Link, 'id' | 'tenantId' | 'baseHash' | 'lastSyncedAt' | 'writeIntent'> & { baseCanonical?: CanonicalEvent })[]): Promise<Link[]>;
  /**
   * Compare-and-set on the old etag. Clears the write intent (a saved link settles the write it
   * recorded); `lastPush` is replaced only when given (`null` clears it).
   */
  update(tenantId: string, id: string, expectedEtag: string, patch: Partial<Pick<Link, 'remoteId' | 'etag' | 'base'>> & { lastPush?: LastPush | null }): Promise<Link>;
  /**
   * Records (or with `undefined` clears) the write intent, compare-and-set on the link's etag: an intent
   * is only ever recorded against the link state the write was planned from. Nothing else changes.
   */
  setWriteIntent(tenantId: string, id: string, expectedEtag: string, intent: WriteIntent | undefined): Promise<Link>;
  /** Compare-and-set on the old etag. */
  delete(tenantId: string, id: string, expectedEtag: string): Promise<void>;
}

export interface SyncStateRepo {
  get(tenantId: string, calendarId: string): Promise<SyncState>;
  /**
   * Replace the state's sync fields; when `expectedCursor` is given it must match the stored one
   * (compare-and-set), and so must the stored `written` when `expectedWritten` is given too (`null`:
   * none stored) — a writer that keeps the cursor but writes back a `written` read before another
   * sync's save would drop that sync's writes. `push` is never written here (it is ignored): the engine
   * writes back the state it read, and a push registration saved meanwhile outside the calendar's lock
   * must survive — only `setPush` changes it.
   */
  set(tenantId: string, state: SyncState, opts?: { expectedCursor?: string | null; expectedWritten?: WrittenSinceCursor | null }): Promise<void>;
  /**
   * Replace (or with `undefined` clear) only the push registration. With `expected` it is
   * compare-and-set on the push value: `null` means "none stored", an object must equal the stored one
   * (as read by `get`); a mismatch is STORE_CONFLICT. Without it the write is unconditional.
   */
  setPush(tenantId: string, calendarId: string, push: Record<string, unknown> | undefined, opts?: { expected?: Record<string, unknown> | null }): Promise<void>;
  /**
   * Stores `claim` as the calendar's claim and changes nothing else (the row is created when the
   * calendar never synced). Taking a claim must not write back a state read earlier: another sync may
   * have saved its `written` (create intents) meanwhile with the cursor unchanged.
   */
  setClaim(tenantId: string, calendarId: string, claim: string): Promise<void>;
  /**
   * Whether `claim` is still the calendar's stored claim. Inside a transaction it also locks the row
   * until the transaction ends (PostgreSQL), so a new claim cannot slip in between this check and the
   * transaction's writes.
   */
  holdClaim(tenantId: string, calendarId: string, claim: string): Promise<boolean>;
}

export interface ConflictRepo {
  /** Records a conflict; an open conflict for the same (calendar, hubEvent) is replaced, not duplicated. */
  record(tenantId: string, input: Omit<ConflictRecord, 'id' | 'tenantId' | 'status' | 'createdAt' | 'resolvedAt' | 'resolution'>): Promise<ConflictRecord>;
  get(tenantId: string, id: string): Promise<ConflictRecord | undefined>;
  list(tenantId: string, opts?: { status?: ConflictStatus; calendarId?: string }): Promise<ConflictRecord[]>;
  openFor(tenantId: string, calendarId: string, hubEventId: string): Promise<ConflictRecord | undefined>;
  resolve(tenantId: string, id: string, resolution: NonNullable<ConflictRecord['resolution']>): Promise<ConflictRecord>;
}

/** One hub change as the outbox records it (an audit row): what changed, in which order, from where. */
export interface OutboxEntry {
  /** The tenant's change sequence: strictly increasing, never reused, gap-free among committed changes. */
  seq: number;
  hubEventId: string;
  /** `calendar:<id>` when a sync of that calendar made the change. */
  source: ChangeSource;
  action: AuditEntry['action'];
}

/** A tenant whose outbox holds changes past the drainer's mark. */
export interface OutboxBacklog {
  tenantId: string;
  /** The drainer's mark: every change with seq ≤ this has its propagation dispatched. */
  drainedSeq: number;
  /** The tenant's latest seq. */
  seq: number;
}

/**
 * The transactional outbox (contract decision 3). Every hub write appends its audit row with the
 * tenant's next seq in the same transaction; that row is the "to propagate" record. The drainer reads
 * them in seq order from its mark and moves the mark compare-and-set. The same rows, read by seq, are the
 * host-app change feed's source.
 */
export interface OutboxRepo {
  /** Tenants with changes past the mark (one query over all tenants: the drainer's poll). */
  backlog(): Promise<OutboxBacklog[]>;
  /** The mark of one tenant (0 when it never drained). */
  drainedSeq(tenantId: string): Promise<number>;
  /**
   * Changes with seq greater than `afterSeq`, ascending, at most `limit`. A reader never misses a smaller
   * seq that commits later: seqs are handed out under the tenant row's lock, so they commit in order.
   */
  read(tenantId: string, afterSeq: number, limit?: number): Promise<OutboxEntry[]>;
  /** Compare-and-set the mark from `from` to `to` (`to` > `from`); false when it is no longer `from`. */
  advance(tenantId: string, from: number, to: number): Promise<boolean>;
  /**
   * Called in this process after a transaction that wrote hub changes of the tenant committed (the
   * drainer's wake-up; other processes' writes are found by polling `backlog`). Returns an unsubscribe.
   */
  onCommit(listener: (tenantId: string) => void): () => void;
}

/** One committed hub change as the host-app change feed reports it (an audit row). */
export interface ChangeEntry {
  /** The tenant's change sequence: the feed's order, the commit order. */
  seq: number;
  /** The audit entry (`GET /events/{id}/history`, restore by `auditId`). */
  auditId: string;
  hubEventId: string;
  action: AuditEntry['action'];
  /** The event's version after the change. */
  version: number;
  source: ChangeSource;
  at: string;
  /** The event after the change; for a deletion, the content it had when deleted. */
  event: CalendarEvent;
}

/** Where a tenant's change feed stands. */
export interface ChangePosition {
  /** The latest committed seq (0: no change yet). */
  seq: number;
  /** The highest seq whose history was pruned (0: none): a cursor below it cannot continue. */
  floor: number;
}

/**
 * The host-app change feed over the audit table (the same rows the outbox drainer reads), and pruning
 * of old history. Reading "after seq N" never misses a smaller seq that commits later: seqs are handed
 * out under the tenant row's lock, so they commit in order.
 */
export interface ChangeFeedRepo {
  /** Changes with seq greater than `afterSeq`, ascending, at most `limit`. */
  read(tenantId: string, afterSeq: number, limit: number): Promise<ChangeEntry[]>;
  position(tenantId: string): Promise<ChangePosition>;
  /**
   * Deletes history entries made before `before` (ISO) that the outbox drainer has dispatched, keeping
   * each event's latest entry (its current content), and raises the floor to the highest seq deleted.
   * Returns how many entries went and the floor after.
   */
  pruneHistory(tenantId: string, before: string): Promise<{ pruned: number; floor: number }>;
}

/** WedSync's own ids of hub events (`externalId`), unique per tenant. */
export interface ExternalIdRepo {
  /** The hub event carrying `externalId`, if any. */
  find(tenantId: string, externalId: string): Promise<string | undefined>;
  /** Gives the hub event its external id; STORE_CONFLICT when another event carries it already. */
  assign(tenantId: string, hubEventId: string, externalId: string): Promise<void>;
  /** hub event id → external id, for the events that have one. */
  of(tenantId: string, hubEventIds: readonly string[]): Promise<Map<string, string>>;
}

/** A stored first answer to a write sent with an `Idempotency-Key`. */
export interface IdempotentAnswer {
  requestHash: string;
  status: number;
  body: unknown;
  createdAt: string;
}

export interface IdempotencyRepo {
  /** The answer stored for the key, if any. */
  get(tenantId: string, key: string): Promise<IdempotentAnswer | undefined>;
  /**
   * Stores the answer unless the key has one already (then returns that one, and the caller's
   * transaction must not commit its write). Call it inside the write's transaction.
   */
  save(tenantId: string, key: string, answer: Omit<IdempotentAnswer, 'createdAt'>): Promise<IdempotentAnswer | undefined>;
  /** Forgets answers stored before `before` (ISO); returns how many. */
  expire(before: string): Promise<number>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly tenants: TenantRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly integrations: IntegrationRepo;
  readonly calendars: CalendarRepo;
  readonly events: HubEventRepo;
  readonly links: LinkRepo;
  readonly syncState: SyncStateRepo;
  readonly conflicts: ConflictRepo;
  readonly outbox: OutboxRepo;
  readonly pollSchedule: PollScheduleRepo;
  readonly changes: ChangeFeedRepo;
  readonly externalIds: ExternalIdRepo;
  readonly idempotency: IdempotencyRepo;
  readonly users: TenantUserRepo;
  readonly signInLinks: SignInLinkRepo;
  /** Runs `fn` in one transaction; the store passed to `fn` is bound to it. Nested calls join it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** A cheap round trip (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
