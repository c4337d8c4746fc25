/**
 * Per-integration health (product.md, "Service, API, live status"): token and subscription expiry, last
 * success and lag, the tenant's queue depth, open conflicts, dead letters and the circuit breaker, and a
 * verdict — `healthy`, or the reasons it is not. `GET /api/v1/health`, `calsync integrations` and the
 * `integration.unhealthy` sweep all read it from here. Conflicts and dead letters are read once per
 * tenant, not once per integration.
 */
import type { JobQueue, QueueCounts } from '../queue/types.js';
import type { Integration, Store, SyncState } from '../store/types.js';
import { systemClock, type Clock } from '../util/clock.js';
import { readRecord } from './outlook/subscription-record.js';
import type { ProviderRegistry } from './providers.js';
import { calendarPushStatus } from './push-status.js';

export interface IntegrationHealthReport {
  integrationId: string;
  name: string;
  provider: Integration['provider'];
  status: Integration['status'];
  healthy: boolean;
  /** Why it is not healthy (empty when healthy), one short sentence each. */
  reasons: string[];
  calendars: number;
  enabledCalendars: number;
  /** Outlook: when the cached access token expires, and whether a refresh token can renew it. */
  tokenExpiresAt: string | null;
  canRefreshToken: boolean | null;
  subscriptionExpiresAt: string | null;
  /**
   * Outlook: why change notifications (push) are off for some enabled calendar, null when every one
   * has a live Graph subscription (and for other providers). Not a reason to be unhealthy: the
   * reconciliation poll still syncs, only later.
   */
  pushOff: string | null;
  /** Enabled calendars whose changes arrive by push now (a live Graph subscription or WebDAV-Push registration); the others are polled. */
  pushCalendars: number;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  /** Seconds since the least recently synced enabled calendar last succeeded (null: one never did). */
  lagS: number | null;
  lastError: string | null;
  openConflicts: number;
  deadLetters: number;
  /** The provider's circuit breaker (`closed`/`open`/`half-open`), when it keeps one. */
  circuit: string | null;
  /**
   * Outlook: the mailbox's request budget in the current window (10,000 requests per 10 minutes), and
   * whether it is close to spent (`near`, from 80 %: requests will soon wait for the next window).
   */
  requestBudget: RequestBudgetReport | null;
}

export interface RequestBudgetReport {
  used: number;
  limit: number;
  resetsAt: string;
  near: boolean;
}

export interface TenantHealth {
  tenantId: string;
  healthy: boolean;
  /** The tenant's jobs by state; `depth` is everything not yet done. */
  queue: QueueCounts & { depth: number };
  integrations: IntegrationHealthReport[];
}

export interface HealthOptions {
  /** Live providers, for the circuit state; without it `circuit` is null. */
  providers?: ProviderRegistry;
  clock?: Clock;
  /** Lag above which an integration is unhealthy (default 6 hours). */
  maxLagS?: number;
  /** Whether `CALSYNC_PUBLIC_URL` is set in the process running the workers; unknown when omitted. */
  pushConfigured?: boolean;
}

const OUTLOOK_POLL = 'Outlook changes arrive by reconciliation polling (every 15 minutes)';

/** Why an Outlook integration gets no change notifications, or null when all its enabled calendars have a live subscription. */
function pushOffReason(integration: Integration, enabled: { state: SyncState }[], now: number, pushConfigured: boolean | undefined): string | null {
  if (integration.provider !== 'outlook' || integration.status !== 'active' || enabled.length === 0) return null;
  if (pushConfigured === false) return `push off: CALSYNC_PUBLIC_URL (a public https:// URL of calsync serve) is not set; ${OUTLOOK_POLL}`;
  const without = enabled.filter((s) => {
    const record = readRecord(s.state);
    return !record || Date.parse(record.expiresAt) <= now;
  }).length;
  if (without === 0) return null;
  return `push off for ${without} of ${enabled.length} calendar${enabled.length === 1 ? '' : 's'}: no live Graph subscription (CALSYNC_PUBLIC_URL not set, or not created yet); ${OUTLOOK_POLL}`;
}

const DEFAULT_MAX_LAG_S = 6 * 3600;

/** The access-token expiry and refresh-token presence in an MSAL token cache (Outlook credentials). */
export function tokenInfo(credentials: Record<string, unknown>): { expiresAt: string | null; canRefresh: boolean | null } {
  if (typeof credentials.msalCache !== 'string') return { expiresAt: null, canRefresh: null };
  try {
    const cache = JSON.parse(credentials.msalCache) as { AccessToken?: Record<string, { expires_on?: string | number }>; RefreshToken?: Record<string, unknown> };
    const expiries = Object.values(cache.AccessToken ?? {})
      .map((t) => Number(t.expires_on))
      .filter((s) => Number.isFinite(s));
    const latest = expiries.length > 0 ? Math.max(...expiries) : undefined;
    return { expiresAt: latest === undefined ? null : new Date(latest * 1000).toISOString(), canRefresh: Object.keys(cache.RefreshToken ?? {}).length > 0 };
  } catch {
    return { expiresAt: null, canRefresh: false };
  }
}

async function circuitOf(providers: ProviderRegistry | undefined, integration: Integration): Promise<string | null> {
  if (!providers) return null;
  try {
    const provider = (await providers.forIntegration(integration)) as { circuitState?: () => unknown };
    const state = typeof provider.circuitState === 'function' ? provider.circuitState() : null;
    return typeof state === 'string' ? state : null;
  } catch {
    return null;
  }
}

async function budgetOf(providers: ProviderRegistry | undefined, integration: Integration): Promise<RequestBudgetReport | null> {
  if (!providers) return null;
  try {
    const provider = (await providers.forIntegration(integration)) as { requestBudget?: () => { used: number; limit: number; resetsAtMs: number; near: boolean } };
    if (typeof provider.requestBudget !== 'function') return null;
    const b = provider.requestBudget();
    return { used: b.used, limit: b.limit, resetsAt: new Date(b.resetsAtMs).toISOString(), near: b.near };
  } catch {
    return null;
  }
}

function latest(values: (string | undefined)[]): string | null {
  return values.filter((v): v is string => v !== undefined).sort().at(-1) ?? null;
}

/** Failing now: the last attempt came after the last success. */
function isFailing(state: SyncState): boolean {
  return state.lastError !== undefined && (state.lastSuccessAt === undefined || (state.lastSyncAt ?? '') > state.lastSuccessAt);
}

export async function integrationHealth(store: Store, queue: JobQueue | undefined, tenantId: string, opts: HealthOptions = {}): Promise<TenantHealth> {
  const clock = opts.clock ?? systemClock;
  const now = clock.now();
  const maxLagS = opts.maxLagS ?? DEFAULT_MAX_LAG_S;
  const [integrations, openConflicts, deadLetters, counts] = await Promise.all([
    store.integrations.list(tenantId),
    store.conflicts.list(tenantId, { status: 'open' }),
    queue ? queue.deadLetters(tenantId) : Promise.resolve([]),
    queue ? queue.counts(tenantId) : Promise.resolve({ waiting: 0, delayed: 0, active: 0, dead: 0 }),
  ]);

  const reports = await Promise.all(
    integrations.map(async (integration): Promise<IntegrationHealthReport> => {
      const calendars = await store.calendars.list(tenantId, integration.id);
      const ids = new Set(calendars.map((c) => c.id));
      const states = await Promise.all(calendars.map(async (c) => ({ calendar: c, state: await store.syncState.get(tenantId, c.id) })));
      const enabled = states.filter((s) => s.calendar.enabled);
      const failing = enabled.find((s) => isFailing(s.state));
      const successes = enabled.map((s) => s.state.lastSuccessAt);
      const oldest = successes.includes(undefined) ? undefined : successes.filter((s): s is string => s !== undefined).sort()[0];
      const lagS = oldest === undefined ? null : Math.max(0, Math.round((now - Date.parse(oldest)) / 1000));
      const subscriptionExpiresAt = states.map((s) => readRecord(s.state)?.expiresAt).filter((e): e is string => e !== undefined).sort()[0] ?? null;
      const token = integration.provider === 'outlook' ? tokenInfo(await store.integrations.getCredentials(tenantId, integration.id).catch(() => ({}))) : { expiresAt: null, canRefresh: null };
      const dead = deadLetters.filter((j) => ids.has(String((j.payload as { calendarId?: unknown } | null)?.calendarId))).length;
      const circuit = await circuitOf(opts.providers, integration);
      const requestBudget = await budgetOf(opts.providers, integration);

      const reasons: string[] = [];
      if (integration.status !== 'active') reasons.push(`integration is ${integration.status}${integration.statusReason ? `: ${integration.statusReason}` : ''}`);
      if (failing) reasons.push(`last sync failed: ${failing.state.lastError ?? 'unknown error'}`);
      if (lagS !== null && lagS > maxLagS) reasons.push(`no successful sync for ${Math.round(lagS / 60)} minutes`);
      if (token.expiresAt !== null && token.canRefresh === false && Date.parse(token.expiresAt) <= now) reasons.push('access token expired and cannot be refreshed');
      if (subscriptionExpiresAt !== null && Date.parse(subscriptionExpiresAt) <= now) reasons.push('change subscription expired');
      if (dead > 0) reasons.push(`${dead} failed job${dead === 1 ? '' : 's'} in the dead letters`);
      if (circuit === 'open') reasons.push('circuit breaker open: the server keeps failing');

      return {
        integrationId: integration.id,
        name: integration.name,
        provider: integration.provider,
        status: integration.status,
        healthy: reasons.length === 0,
        reasons,
        calendars: calendars.length,
        enabledCalendars: enabled.length,
        tokenExpiresAt: token.expiresAt,
        canRefreshToken: token.canRefresh,
        subscriptionExpiresAt,
        pushOff: pushOffReason(integration, enabled, now, opts.pushConfigured),
        pushCalendars: enabled.filter((s) => calendarPushStatus(s.state, now).active).length,
        lastSyncAt: latest(states.map((s) => s.state.lastSyncAt)),
        lastSuccessAt: latest(states.map((s) => s.state.lastSuccessAt)),
        lagS,
        lastError: failing?.state.lastError ?? null,
        openConflicts: openConflicts.filter((c) => ids.has(c.calendarId)).length,
        deadLetters: dead,
        circuit,
        requestBudget,
      };
    }),
  );
  return {
    tenantId,
    healthy: reports.every((r) => r.healthy),
    queue: { ...counts, depth: counts.waiting + counts.delayed + counts.active },
    integrations: reports,
  };
}
