/**
 * What the API routes need, and small helpers they share. The tenant always comes from the
 * authenticated request (`req.tenant`); ids of another tenant's rows are simply not found.
 */
import { CalsyncError } from '../../../errors.js';
import type { JobQueue } from '../../../queue/types.js';
import type { ConnectDeps } from '../../../service/connect.js';
import type { ProviderRegistry } from '../../../service/providers.js';
import type { SyncStatus } from '../../../service/sync-jobs.js';
import type { CalendarRecord, Integration, Store } from '../../../store/types.js';
import type { Clock } from '../../../util/clock.js';
import type { Logger } from '../../../util/logger.js';
import type { EdgeAuth } from '../../auth.js';

/**
 * The Outlook OAuth flow over HTTP, supplied by the Outlook connector: `start` returns the Microsoft
 * sign-in URL (with a `state` bound to the tenant), `finish` redeems the code the redirect brought back
 * and stores the integration under that tenant. Without it the two routes are not registered.
 */
export interface OutlookOAuthFlow {
  start(tenantId: string, input: { name?: string; loginHint?: string; graphUrl?: string }): Promise<{ authorizeUrl: string; state: string }>;
  /** The redirect carries no API key: `state` (issued by `start`, single-use) identifies the tenant. */
  finish(input: { code: string; state: string }): Promise<{ integration: Integration; calendars: CalendarRecord[] }>;
}

export interface ApiDeps {
  store: Store;
  queue?: JobQueue;
  providers: ProviderRegistry;
  clock: Clock;
  logger?: Logger;
  /** Allow CalDAV servers on loopback/private networks (`CALSYNC_ALLOW_PRIVATE_URLS`). */
  allowPrivateUrls: boolean;
  /** Called before an integration is deleted, while its credentials still exist (Outlook: delete Graph subscriptions). */
  onDisconnect?: (integration: Integration) => Promise<void>;
  /** Builds the provider for the connect-time discovery check (tests inject the memory provider). */
  makeCalDavProvider?: ConnectDeps['makeProvider'];
  outlookOAuth?: OutlookOAuthFlow;
  /** Live sync status of dry runs started from the API (WebSocket). */
  onSyncStatus?: (status: SyncStatus) => void;
  /** How long a verified API key is cached (default 30 s). */
  authCacheTtlMs?: number;
  /** The app's shared auth (one verifier, the browser sessions, the rate limits); default: a verifier of its own. */
  auth?: EdgeAuth;
}

export function notFound(what: string, id: string): CalsyncError {
  return new CalsyncError('NOT_FOUND', `${what} ${id} not found`, { details: { what, id } });
}

export function requireQueue(deps: ApiDeps): JobQueue {
  if (!deps.queue) throw new CalsyncError('CONFIG', 'this server has no job queue attached');
  return deps.queue;
}

/** The route's OpenAPI tags and security requirement. */
export function docs(tag: string, summary: string): { tags: string[]; summary: string; security: Record<string, string[]>[] } {
  return { tags: [tag], summary, security: [{ apiKey: [] }] };
}
