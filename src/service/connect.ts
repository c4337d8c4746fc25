/**
 * Connecting a CalDAV server or iCloud: check the URL (no private/loopback targets unless allowed),
 * discover the calendars with the given credentials — so wrong credentials are caught before anything is
 * saved — then store the integration (credentials encrypted) and its event calendars.
 */
import { CalsyncError } from '../errors.js';
import { CalDavProvider, ICLOUD_CALDAV_URL } from '../providers/caldav/caldav-provider.js';
import { assertAllowedUrl } from '../net/url-policy.js';
import type { CalendarProvider, RemoteCalendar } from '../providers/types.js';
import type { JobQueue } from '../queue/types.js';
import type { CalendarRecord, Integration, Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { catchUpAfterReconnect, type CatchUpReport } from './reconnect-catch-up.js';
import { newPushKey } from './webdav-push/push-key.js';

export interface ConnectCalDavInput {
  kind: 'caldav' | 'icloud';
  /** Server URL (ignored for iCloud). */
  url?: string;
  username: string;
  password: string;
  name?: string;
  allowPrivate: boolean;
}

export interface ConnectResult {
  integration: Integration;
  calendars: CalendarRecord[];
  /** Set when an integration waiting for re-authorization got new credentials and a queue was given. */
  caughtUp?: CatchUpReport;
}

export interface ConnectDeps {
  store: Store;
  clock: Clock;
  /** Builds the provider used for the discovery check (tests inject one). */
  makeProvider?: (input: ConnectCalDavInput & { url: string }) => CalendarProvider;
  /** Called when new credentials replaced rejected ones (drop cached providers built with the old ones). */
  onReconnect?: (integration: Integration) => Promise<void>;
  /** With it, a reconnect catches up at once: parked jobs replayed, every calendar synced (`reconnect-catch-up.ts`). */
  queue?: JobQueue;
  /** `CALSYNC_PUBLIC_URL` (push registrations are renewed only when set). */
  publicUrl?: string;
}

function defaultProvider(input: ConnectCalDavInput & { url: string }, clock: Clock): CalendarProvider {
  return new CalDavProvider({ url: input.url, username: input.username, password: input.password, clock, allowPrivate: input.allowPrivate });
}

export async function connectCalDav(deps: ConnectDeps, tenantId: string, input: ConnectCalDavInput): Promise<ConnectResult> {
  const url = input.kind === 'icloud' ? ICLOUD_CALDAV_URL : input.url;
  if (!url) throw new CalsyncError('VALIDATION', 'a CalDAV server URL is required (--url)');
  if (!input.username) throw new CalsyncError('VALIDATION', 'a username is required (--username)');
  if (!input.password) throw new CalsyncError('VALIDATION', 'a password is required (--password-env VAR names the variable holding it)');
  await assertAllowedUrl(url, { allowPrivate: input.allowPrivate });

  const name = input.name ?? (input.kind === 'icloud' ? `iCloud ${input.username}` : `${new URL(url).host} ${input.username}`);
  const existing = await deps.store.integrations.getByName(tenantId, name);
  // Connecting an integration that waits for re-authorization again is how a user hands it new credentials.
  const reconnect = existing !== undefined && existing.status === 'needs_reauth' && existing.provider === input.kind;
  if (existing && !reconnect) {
    throw new CalsyncError('VALIDATION', `an integration named "${name}" exists already; choose another --name`);
  }

  const provider = (deps.makeProvider ?? ((i) => defaultProvider(i, deps.clock)))({ ...input, url });
  let remote: RemoteCalendar[];
  try {
    remote = await provider.listCalendars();
  } finally {
    await provider.close?.();
  }
  if (remote.length === 0) {
    throw new CalsyncError('VALIDATION', `no event calendars found at ${url} for ${input.username}; create one in the calendar app first`);
  }

  const config = { url, username: input.username, ...(input.allowPrivate ? { allowPrivate: true } : {}) };
  let integration: Integration;
  if (reconnect) {
    // The push key stays: it seals the calendars' WebDAV-Push registrations, which outlive a password change.
    const { pushKey } = await deps.store.integrations.getCredentials(tenantId, existing.id);
    await deps.store.integrations.setCredentials(tenantId, existing.id, { password: input.password, pushKey: typeof pushKey === 'string' ? pushKey : newPushKey() });
    integration = await deps.store.integrations.update(tenantId, existing.id, { config, status: 'active', statusReason: undefined });
    await deps.onReconnect?.(integration);
  } else {
    integration = await deps.store.integrations.create(tenantId, { provider: input.kind, name, config, credentials: { password: input.password, pushKey: newPushKey() } });
  }
  const calendars: CalendarRecord[] = [];
  for (const cal of remote) {
    // Writable event calendars are synced from the start; read-only ones (holidays, shared) wait to be enabled.
    calendars.push(await deps.store.calendars.upsert(tenantId, integration.id, { remoteId: cal.remoteId, name: cal.name, ...(cal.color ? { color: cal.color } : {}), enabled: cal.writable }));
  }
  const caughtUp = reconnect && deps.queue ? await catchUpAfterReconnect({ store: deps.store, queue: deps.queue, ...(deps.publicUrl ? { publicUrl: deps.publicUrl } : {}) }, integration) : undefined;
  return { integration, calendars, ...(caughtUp ? { caughtUp } : {}) };
}

/** Finds an integration by id or name within a tenant. */
export async function findIntegration(store: Store, tenantId: string, ref: string): Promise<Integration> {
  const found = (await store.integrations.get(tenantId, ref)) ?? (await store.integrations.getByName(tenantId, ref));
  if (!found) throw new CalsyncError('NOT_FOUND', `no integration "${ref}" (list them with: calsync integrations)`);
  return found;
}
