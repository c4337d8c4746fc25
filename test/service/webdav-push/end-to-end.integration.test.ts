/**
 * WebDAV-Push end to end, in one process like `calsync serve`: a real Radicale behind the push-capable
 * proxy, the Fastify app listening as the push endpoint, the embedded queue and its workers — with the
 * poller OFF, so only a push can make calsync look at the calendar. Connect (API) → the registration is stored
 * → an event PUT through the proxy with raw HTTP → the proxy sends an RFC 8291 encrypted, VAPID-signed
 * push → calsync syncs the event into the hub; an edit follows the same way; disabling the calendar
 * through the API unregisters it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeIcal } from '../../../src/ical/index.js';
import { openQueue } from '../../../src/queue/open.js';
import type { JobQueue } from '../../../src/queue/types.js';
import { buildApp } from '../../../src/server/app.js';
import { ProviderRegistry } from '../../../src/service/providers.js';
import { PushDirectory } from '../../../src/service/webdav-push/push-directory.js';
import { readPushRecord } from '../../../src/service/webdav-push/registration-record.js';
import { startWorkers, type Workers } from '../../../src/service/workers.js';
import { openStore, type SqlStore } from '../../../src/store/open.js';
import type { CalendarRecord } from '../../../src/store/types.js';
import { systemClock } from '../../../src/util/clock.js';
import { makeEvent } from '../../support/events.js';
import { mkcalendar, startRadicale, type DavServer } from '../../support/radicale.js';
import { startPushProxy, type PushProxy } from '../../support/webdav-push-proxy.js';

const ALICE = { Authorization: `Basic ${Buffer.from('alice:x').toString('base64')}` };

let radicale: DavServer;
let proxy: PushProxy;
let dataDir: string;
let store: SqlStore;
let queue: JobQueue;
let providers: ProviderRegistry;
let app: FastifyInstance;
let workers: Workers;
let tenantId: string;
let calendar: CalendarRecord;
let apiKey: string;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const record = async () => readPushRecord(await store.syncState.get(tenantId, calendar.id));
const hubTitles = async (): Promise<string[]> => (await store.events.list(tenantId)).map((e) => e.event.title).sort();

beforeAll(async () => {
  radicale = await startRadicale();
  await mkcalendar(radicale.url, 'alice', 'weddings', 'Weddings');
  proxy = await startPushProxy({ upstream: radicale.url });
  dataDir = mkdtempSync(join(tmpdir(), 'calsync-push-e2e-'));
  store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, secretKey: '22'.repeat(32) });
  queue = await openQueue({ db: store.db, dialect: store.dialect, clock: systemClock });
  providers = new ProviderRegistry({ store, clock: systemClock, allowPrivateUrls: true });
  const pushDirectory = new PushDirectory(store, systemClock);
  app = await buildApp({ store, queue, clock: systemClock, providers, pushDirectory, allowPrivateUrls: true });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const publicUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  tenantId = (await store.tenants.ensureDefault()).id;
  apiKey = (await store.apiKeys.create(tenantId, 'test')).key;
  workers = startWorkers({ store, queue, providers, clock: systemClock, publicUrl, pushDirectory }, { poll: false });
  // Connected through the API, as the dashboard does: the connect queues the registration.
  const connected = await app.inject({ method: 'POST', url: '/api/v1/integrations/caldav', headers: { authorization: `Bearer ${apiKey}` }, payload: { url: proxy.url, username: 'alice', password: 'x' } });
  if (connected.statusCode !== 201) throw new Error(`connect: ${connected.statusCode} ${connected.body}`);
  [calendar] = connected.json<{ calendars: CalendarRecord[] }>().calendars as [CalendarRecord];
});

afterAll(async () => {
  await workers?.stop(5_000);
  await app?.close();
  await providers?.close();
  await queue?.close();
  await store?.close();
  await proxy?.close();
  await radicale?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('WebDAV-Push end to end', () => {
  it('registers the calendar at its server once the service runs, then syncs it once', async () => {
    const registered = await until('the registration', async () => {
      const r = await record();
      return r?.kind === 'registered' ? r : undefined;
    });
    expect(registered.topic).toBe(proxy.topicOf('/alice/weddings/'));
    expect(proxy.registrations()).toHaveLength(1);
    await until('the first sync', async () => (await store.syncState.get(tenantId, calendar.id)).lastSuccessAt);
    const health = await app.inject({ method: 'GET', url: `/api/v1/calendars/${calendar.id}`, headers: { authorization: `Bearer ${apiKey}` } });
    expect(health.json()).toMatchObject({ push: { active: true, via: 'webdav-push', expiresAt: registered.expiresAt } });
  });

  it('an event PUT through the server by another client reaches the hub by push, without any poll', async () => {
    const ics = serializeIcal([makeEvent({ uid: 'push-e2e-1', title: 'Cake tasting' })]);
    const put = await fetch(new URL('/alice/weddings/push-e2e-1.ics', proxy.url), { method: 'PUT', headers: { ...ALICE, 'Content-Type': 'text/calendar' }, body: ics });
    expect(put.status).toBe(201);
    await until('the event in the hub', async () => (await hubTitles()).includes('Cake tasting'));
    await proxy.settled();
    expect(proxy.deliveries.at(-1)).toEqual({ pushResource: proxy.registrations()[0]!.pushResource, status: 201 });
  });

  it('an edit follows the same way', async () => {
    const current = await fetch(new URL('/alice/weddings/push-e2e-1.ics', proxy.url), { headers: ALICE });
    const edited = (await current.text()).replace('SUMMARY:Cake tasting', 'SUMMARY:Cake tasting (moved)');
    const put = await fetch(new URL('/alice/weddings/push-e2e-1.ics', proxy.url), { method: 'PUT', headers: { ...ALICE, 'Content-Type': 'text/calendar', 'If-Match': current.headers.get('etag') ?? '*' }, body: edited });
    expect(put.status).toBeLessThan(300);
    await until('the edit in the hub', async () => (await hubTitles()).includes('Cake tasting (moved)'));
  });

  it('disabling the calendar through the API unregisters it at the server', async () => {
    const res = await app.inject({ method: 'PATCH', url: `/api/v1/calendars/${calendar.id}`, headers: { authorization: `Bearer ${apiKey}` }, payload: { enabled: false } });
    expect(res.statusCode).toBe(200);
    await until('the unregistration', async () => proxy.registrations().length === 0 && (await record()) === undefined);
    const after = await app.inject({ method: 'GET', url: `/api/v1/calendars/${calendar.id}`, headers: { authorization: `Bearer ${apiKey}` } });
    expect(after.json()).toMatchObject({ enabled: false, push: { active: false } });
  });
});
