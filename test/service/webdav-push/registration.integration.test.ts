/**
 * WebDAV-Push registrations against a real Radicale behind the push-capable test proxy, on a manual
 * clock: register, keep, renew before expiry, register anew when the server forgot the registration,
 * unregister on disable / disconnect / without a public URL, a race between two registrars, and a server
 * without push (no registration, polled as before).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectCalDav } from '../../../src/service/connect.js';
import { jitterMs, pollDueCalendars, PUSHED_POLL_INTERVAL_S } from '../../../src/service/poller.js';
import { ProviderRegistry } from '../../../src/service/providers.js';
import { pushKeyOf } from '../../../src/service/webdav-push/push-key.js';
import { PushRegistrationManager } from '../../../src/service/webdav-push/registration-manager.js';
import { openSecrets, readPushRecord, type PushRecord, type Registration } from '../../../src/service/webdav-push/registration-record.js';
import { openStore, type SqlStore } from '../../../src/store/open.js';
import type { CalendarRecord, Integration } from '../../../src/store/types.js';
import { ManualClock, systemClock } from '../../../src/util/clock.js';
import { mkcalendar, startRadicale, type DavServer } from '../../support/radicale.js';
import { startPushProxy, type PushProxy } from '../../support/webdav-push-proxy.js';
import { RecordingQueue } from '../harness.js';

const PUBLIC_URL = 'https://calsync.example.com';
const DAY = 24 * 3600_000;

let radicale: DavServer;
let proxy: PushProxy;
const clock = new ManualClock();

beforeAll(async () => {
  radicale = await startRadicale();
  await mkcalendar(radicale.url, 'alice', 'weddings', 'Weddings');
  await mkcalendar(radicale.url, 'bob', 'family', 'Family');
  proxy = await startPushProxy({ upstream: radicale.url, clock });
});
afterAll(async () => {
  await proxy?.close();
  await radicale?.stop();
});

let dataDir: string;
let store: SqlStore;
let queue: RecordingQueue;
let providers: ProviderRegistry;
let tenantId: string;
let integration: Integration;
let calendar: CalendarRecord;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'calsync-push-reg-'));
  store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  queue = new RecordingQueue();
  // Real time for the HTTP client (rate limiter, retries); the manual clock for expiry and renewal.
  providers = new ProviderRegistry({ store, clock: systemClock, allowPrivateUrls: true });
  tenantId = (await store.tenants.ensureDefault()).id;
  const connected = await connectCalDav({ store, clock }, tenantId, { kind: 'caldav', url: proxy.url, username: 'alice', password: 'x', allowPrivate: true });
  integration = connected.integration;
  calendar = connected.calendars[0]!;
});
afterEach(async () => {
  // Leave the proxy clean for the next test.
  for (const r of proxy.registrations()) await fetch(new URL(`/push-subscriptions/${r.id}`, proxy.url), { method: 'DELETE' });
  await providers.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `null`: a deployment without CALSYNC_PUBLIC_URL. */
const manager = (publicUrl: string | null = PUBLIC_URL): PushRegistrationManager => new PushRegistrationManager({ store, queue, providers, clock, publicUrl: publicUrl ?? undefined });
/** The server's Expires is an IMF-fixdate: whole seconds. */
const inSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString();
const recordOf = async (cal = calendar): Promise<PushRecord | undefined> => readPushRecord(await store.syncState.get(tenantId, cal.id));
const registration = async (cal = calendar): Promise<Registration> => {
  const record = await recordOf(cal);
  if (record?.kind !== 'registered') throw new Error(`not registered: ${JSON.stringify(record)}`);
  return record;
};
const atProxy = () => proxy.registrations().filter((r) => r.collection === '/alice/weddings/');

describe('a calendar on a WebDAV-Push server', () => {
  it('is registered: the record is stored with sealed secrets, the server holds our key, a sync and the renewal are queued', async () => {
    const m = manager();
    expect(await m.sweep(tenantId)).toEqual([calendar.id]);
    expect(await m.ensure(tenantId, calendar.id)).toBe('registered');

    const record = await registration();
    expect(record).toMatchObject({
      topic: proxy.topicOf('/alice/weddings/'),
      vapidPublicKey: proxy.vapidPublicKey,
      publicUrl: PUBLIC_URL,
      registeredAt: new Date(clock.now()).toISOString(),
      // The proxy grants at most three days of the seven asked for.
      expiresAt: inSeconds(clock.now() + 3 * DAY),
    });
    expect(record.registrationUrl).toMatch(new RegExp(`^${proxy.url}push-subscriptions/`));
    const [held] = atProxy();
    const secrets = openSecrets(pushKeyOf(await store.integrations.getCredentials(tenantId, integration.id))!, calendar.id, record.secrets);
    expect(held).toMatchObject({ pushResource: `${PUBLIC_URL}/webhooks/webdav-push/${tenantId}.${calendar.id}.${secrets.resourceSecret}`, publicKey: secrets.keys.publicKey.toString('base64url'), authSecret: secrets.keys.authSecret.toString('base64url') });
    const stored = JSON.stringify((await store.syncState.get(tenantId, calendar.id)).push);
    for (const secret of [secrets.resourceSecret, held!.authSecret, secrets.keys.privateKey.toString('base64url')]) expect(stored).not.toContain(secret);

    expect(queue.syncs()).toEqual([
      { calendarId: calendar.id, priority: 'medium', reason: undefined },
      { calendarId: calendar.id, priority: 'medium', reason: 'webdav-push registered' },
      { calendarId: calendar.id, priority: 'medium', reason: undefined },
    ]);
    // The sweep's ensure, the sync, and the renewal at 75 % of the three days granted.
    expect(queue.specs.map((s) => [s.type, s.delayMs])).toEqual([['webdav-push.ensure', 0], ['sync.calendar', undefined], ['webdav-push.ensure', 0.75 * 3 * DAY]]);

    queue.specs.length = 0;
    expect(await m.ensure(tenantId, calendar.id)).toBe('kept');
    expect(await m.sweep(tenantId)).toEqual([]);
    expect(atProxy()).toHaveLength(1);
  });

  it('is polled only for reconciliation while the registration lives', async () => {
    await manager().ensure(tenantId, calendar.id);
    await store.syncState.set(tenantId, { ...(await store.syncState.get(tenantId, calendar.id)), lastSyncAt: new Date(clock.now()).toISOString() });
    const poll = async (): Promise<string[]> => pollDueCalendars({ store, queue: new RecordingQueue(), clock });
    clock.advance(60_000 + jitterMs(calendar.id, 60_000));
    expect(await poll()).toEqual([]);
    clock.advance(PUSHED_POLL_INTERVAL_S * 1000 + jitterMs(calendar.id, PUSHED_POLL_INTERVAL_S * 1000));
    expect(await poll()).toEqual([calendar.id]);
    // Once the registration has lapsed (renewal failed for days), the normal interval is back.
    clock.advance(3 * DAY);
    await store.syncState.set(tenantId, { ...(await store.syncState.get(tenantId, calendar.id)), lastSyncAt: new Date(clock.now()).toISOString() });
    clock.advance(60_000 + jitterMs(calendar.id, 60_000));
    expect(await poll()).toEqual([calendar.id]);
  });

  it('is renewed before it expires, with the same push resource and keys', async () => {
    const m = manager();
    await m.ensure(tenantId, calendar.id);
    const first = await registration();
    const [before] = atProxy();
    clock.advance(0.75 * 3 * DAY - 60_000);
    expect(await m.sweep(tenantId)).toEqual([]);
    clock.advance(60_000);
    expect(await m.sweep(tenantId)).toEqual([calendar.id]);
    expect(await m.ensure(tenantId, calendar.id)).toBe('renewed');
    const renewed = await registration();
    expect(renewed).toMatchObject({ registrationUrl: first.registrationUrl, secrets: first.secrets, registeredAt: new Date(clock.now()).toISOString(), expiresAt: inSeconds(clock.now() + 3 * DAY) });
    expect(atProxy()).toEqual([{ ...before, expiresAt: clock.now() + 3 * DAY }]);
  });

  it('is registered anew when the server no longer knows it (410 on renewal); the old one is deleted', async () => {
    const m = manager();
    await m.ensure(tenantId, calendar.id);
    const first = await registration();
    clock.advance(0.8 * 3 * DAY);
    proxy.failNextRegister(410);
    expect(await m.ensure(tenantId, calendar.id)).toBe('registered');
    const second = await registration();
    expect(second.registrationUrl).not.toBe(first.registrationUrl);
    expect(second.secrets).not.toBe(first.secrets);
    expect(atProxy().map((r) => `${proxy.url}push-subscriptions/${r.id}`)).toEqual([second.registrationUrl]);
  });

  it('is registered anew, with new keys, on a VAPID key rotation (recreate)', async () => {
    const m = manager();
    await m.ensure(tenantId, calendar.id);
    const first = await registration();
    expect(await m.ensure(tenantId, calendar.id, 'recreate')).toBe('registered');
    expect((await registration()).secrets).not.toBe(first.secrets);
    expect(atProxy()).toHaveLength(1);
  });

  it('is unregistered when disabled, and registered again when enabled', async () => {
    const m = manager();
    await m.ensure(tenantId, calendar.id);
    await store.calendars.update(tenantId, calendar.id, { enabled: false });
    expect(await m.sweep(tenantId)).toEqual([calendar.id]);
    expect(await m.ensure(tenantId, calendar.id)).toBe('removed');
    expect(atProxy()).toEqual([]);
    expect(await recordOf()).toBeUndefined();
    expect(await m.sweep(tenantId)).toEqual([]);
    await store.calendars.update(tenantId, calendar.id, { enabled: true });
    expect(await m.ensure(tenantId, calendar.id)).toBe('registered');
    expect(atProxy()).toHaveLength(1);
  });

  it('is unregistered on disconnect, and when CALSYNC_PUBLIC_URL is no longer set', async () => {
    await manager().ensure(tenantId, calendar.id);
    await manager().removeAll(integration);
    expect(atProxy()).toEqual([]);
    expect(await recordOf()).toBeUndefined();

    expect(await manager().ensure(tenantId, calendar.id)).toBe('registered');
    const unconfigured = manager(null);
    expect(await unconfigured.sweep(tenantId)).toEqual([calendar.id]);
    expect(await unconfigured.ensure(tenantId, calendar.id)).toBe('removed');
    expect(atProxy()).toEqual([]);
    expect(await unconfigured.ensure(tenantId, calendar.id)).toBe('skipped');
  });

  it('keeps one registration when two registrars race: the loser withdraws its own', async () => {
    const outcomes = await Promise.all([manager().ensure(tenantId, calendar.id), manager().ensure(tenantId, calendar.id)]);
    expect(outcomes.sort()).toEqual(['raced', 'registered']);
    expect(atProxy().map((r) => `${proxy.url}push-subscriptions/${r.id}`)).toEqual([(await registration()).registrationUrl]);
  });
});

describe('a calendar on a server without WebDAV-Push', () => {
  it('gets no registration, is checked again after a day and keeps its normal poll interval', async () => {
    const { calendars: [family] = [] } = await connectCalDav({ store, clock }, tenantId, { kind: 'caldav', url: radicale.url, username: 'bob', password: 'x', allowPrivate: true });
    const m = manager();
    expect(await m.ensure(tenantId, family!.id)).toBe('unsupported');
    expect(await recordOf(family)).toEqual({ kind: 'unsupported', reason: 'the server does not offer WebDAV-Push', checkedAt: new Date(clock.now()).toISOString() });
    expect(queue.syncs().filter((s) => s.calendarId === family!.id)).toEqual([]);
    expect(await m.ensure(tenantId, family!.id)).toBe('unsupported');
    expect(await m.sweep(tenantId)).toEqual([calendar.id]);
    clock.advance(DAY);
    expect((await m.sweep(tenantId)).sort()).toEqual([calendar.id, family!.id].sort());

    await store.syncState.set(tenantId, { ...(await store.syncState.get(tenantId, family!.id)), lastSyncAt: new Date(clock.now()).toISOString() });
    clock.advance(60_000 + jitterMs(family!.id, 60_000));
    expect(await pollDueCalendars({ store, queue: new RecordingQueue(), clock })).toContain(family!.id);
  });
});
