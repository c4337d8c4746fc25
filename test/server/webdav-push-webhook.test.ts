/**
 * The WebDAV-Push webhook at the HTTP edge: a real message (RFC 8291 encrypted, VAPID signed) queues a
 * high-priority sync and is answered 201; every kind of bad input is a 4xx with a JSON error body and
 * queues nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/providers/caldav/cursor.js';
import { buildApp } from '../../src/server/app.js';
import { newSubscriptionKeys, type SubscriptionKeys } from '../../src/service/webdav-push/message-encryption.js';
import { newPushKey } from '../../src/service/webdav-push/push-key.js';
import { newResourceSecret, pushResourceUrl, WEBDAV_PUSH_PATH } from '../../src/service/webdav-push/push-urls.js';
import { pushValue, sealSecrets, type Registration } from '../../src/service/webdav-push/registration-record.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { ManualClock } from '../../src/util/clock.js';
import { RecordingQueue } from '../service/harness.js';
import { encryptWebPush, VapidSigner } from '../support/web-push-sender.js';

const PUBLIC_URL = 'https://calsync.example.com';
const TOPIC = 'O7M1nQ7cKkKTKsoS_j6Z3w';

let dataDir: string;
let store: SqlStore;
let queue: RecordingQueue;
let app: FastifyInstance;
const clock = new ManualClock();
const server = new VapidSigner();
let keys: SubscriptionKeys;
let endpoint: string;
let tenantId: string;
let calendarId: string;

async function register(vapidPublicKey: string | undefined): Promise<void> {
  const tenant = await store.tenants.ensureDefault();
  tenantId = tenant.id;
  const pushKey = newPushKey();
  const integration = await store.integrations.create(tenantId, { provider: 'caldav', name: 'dav', config: { url: 'https://dav.example.com/', username: 'u' }, credentials: { password: 'p', pushKey } });
  const calendar = await store.calendars.upsert(tenantId, integration.id, { remoteId: 'https://dav.example.com/cal/', name: 'Weddings', enabled: true });
  calendarId = calendar.id;
  keys = newSubscriptionKeys();
  const secret = newResourceSecret();
  endpoint = pushResourceUrl(PUBLIC_URL, { tenantId, calendarId, secret });
  const registration: Registration = {
    kind: 'registered',
    registrationUrl: 'https://dav.example.com/push/1',
    expiresAt: new Date(clock.now() + 86_400_000).toISOString(),
    registeredAt: new Date(clock.now()).toISOString(),
    topic: TOPIC,
    publicUrl: PUBLIC_URL,
    secrets: sealSecrets(Buffer.from(pushKey, 'hex'), calendarId, { resourceSecret: secret, keys }),
    ...(vapidPublicKey ? { vapidPublicKey } : {}),
  };
  await store.syncState.setPush(tenantId, calendarId, pushValue(registration));
}

const message = (inner: string): string => `<?xml version="1.0" encoding="utf-8"?><P:push-message xmlns:D="DAV:" xmlns:P="https://bitfire.at/webdav-push">${inner}</P:push-message>`;
const contentUpdate = (topic = TOPIC, token = 'http://radicale.org/ns/sync/2'): string => message(`<P:topic>${topic}</P:topic><P:content-update><D:sync-token>${token}</D:sync-token></P:content-update>`);

interface PostOptions {
  url?: string;
  body?: Buffer;
  headers?: Record<string, string>;
}

function post(xml: string, opts: PostOptions = {}) {
  const body = opts.body ?? encryptWebPush(Buffer.from(xml), keys.publicKey, keys.authSecret);
  const url = opts.url ?? new URL(endpoint).pathname;
  const headers = { 'content-type': 'application/octet-stream', 'content-encoding': 'aes128gcm', ttl: '60', authorization: server.authorization(endpoint, clock.now()), ...opts.headers };
  return app.inject({ method: 'POST', url, headers, payload: body });
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'calsync-push-hook-'));
  store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, clock });
  queue = new RecordingQueue();
  app = await buildApp({ store, queue, clock });
});
afterEach(async () => {
  await app.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a push message from the server', () => {
  beforeEach(() => register(server.publicKey));

  it('queues a high-priority sync of its calendar and is answered 201', async () => {
    const res = await post(contentUpdate());
    expect(res.statusCode).toBe(201);
    expect(queue.specs).toEqual([expect.objectContaining({ type: 'sync.calendar', tenantId, priority: 'high', payload: { calendarId, reason: 'push' }, key: `sync:${calendarId}` })]);
  });

  it('queues nothing for a sync-token the calendar is already at', async () => {
    await store.syncState.set(tenantId, { ...(await store.syncState.get(tenantId, calendarId)), cursor: encodeCursor({ ctag: '"x"', syncToken: 'http://radicale.org/ns/sync/2' }) });
    expect((await post(contentUpdate())).statusCode).toBe(201);
    expect(queue.specs).toEqual([]);
    expect((await post(contentUpdate(TOPIC, 'http://radicale.org/ns/sync/3'))).statusCode).toBe(201);
    expect(queue.specs).toHaveLength(1);
  });

  it('queues a new registration on a VAPID key rotation message', async () => {
    const res = await post(message('<P:property-update><D:prop><P:transports/></D:prop></P:property-update>'));
    expect(res.statusCode).toBe(201);
    expect(queue.specs).toEqual([expect.objectContaining({ type: 'webdav-push.ensure', priority: 'high', payload: { calendarId, mode: 'recreate' } })]);
  });
});

describe('bad input is refused with a 4xx and queues nothing', () => {
  beforeEach(() => register(server.publicKey));
  afterEach(() => expect(queue.specs).toEqual([]));

  const refused = async (res: Awaited<ReturnType<typeof post>>, status: number, code: string): Promise<void> => {
    expect([res.statusCode, res.json<{ error: { code: string } }>().error.code], res.body).toEqual([status, code]);
  };

  it('unknown, malformed or forged push resource ids: 404', async () => {
    const path = new URL(endpoint).pathname;
    await refused(await post(contentUpdate(), { url: `${WEBDAV_PUSH_PATH}/nonsense` }), 404, 'NOT_FOUND');
    await refused(await post(contentUpdate(), { url: path.replace(/\.[^.]+$/, `.${newResourceSecret()}`) }), 404, 'NOT_FOUND');
    await refused(await post(contentUpdate(), { url: path.replace(calendarId, '0190a0a0-0000-7000-8000-000000000000') }), 404, 'NOT_FOUND');
    await refused(await post(contentUpdate(), { url: `${path}/extra` }), 404, 'NOT_FOUND');
    await refused(await post(contentUpdate(), { url: WEBDAV_PUSH_PATH }), 404, 'NOT_FOUND');
  });

  it('a body that is not aes128gcm, or does not decrypt with our keys: 400', async () => {
    await refused(await post(contentUpdate(), { headers: { 'content-encoding': 'aesgcm' } }), 400, 'VALIDATION');
    await refused(await post(contentUpdate(), { body: Buffer.from(contentUpdate()) }), 400, 'PUSH_DECRYPT_FAILED');
    const other = newSubscriptionKeys();
    await refused(await post('', { body: encryptWebPush(Buffer.from(contentUpdate()), other.publicKey, other.authSecret) }), 400, 'PUSH_DECRYPT_FAILED');
    await refused(await post('', { body: Buffer.alloc(0) }), 400, 'PUSH_DECRYPT_FAILED');
  });

  it('a decrypted body that is not a push message for this calendar: 400', async () => {
    await refused(await post('not xml at all'), 400, 'VALIDATION');
    await refused(await post('<d:multistatus xmlns:d="DAV:"/>'), 400, 'VALIDATION');
    await refused(await post(contentUpdate('another-topic')), 400, 'VALIDATION');
    await refused(await post(message('<P:content-update/>')), 400, 'VALIDATION');
  });

  it('a missing, expired, foreign or mis-addressed VAPID signature: 401/403', async () => {
    await refused(await post(contentUpdate(), { headers: { authorization: '' } }), 401, 'PUSH_VAPID_INVALID');
    await refused(await post(contentUpdate(), { headers: { authorization: server.authorization(endpoint, clock.now() - 2 * 86_400_000) } }), 401, 'PUSH_VAPID_INVALID');
    await refused(await post(contentUpdate(), { headers: { authorization: server.authorization('https://other.example.com/x', clock.now()) } }), 401, 'PUSH_VAPID_INVALID');
    await refused(await post(contentUpdate(), { headers: { authorization: new VapidSigner().authorization(endpoint, clock.now()) } }), 403, 'PUSH_VAPID_MISMATCH');
  });

  it('a body larger than a Web Push message can be: 413', async () => {
    await refused(await post('', { body: Buffer.alloc(9 * 1024, 1) }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('a server without a VAPID key', () => {
  beforeEach(() => register(undefined));

  it('needs no Authorization: the encryption alone authenticates it', async () => {
    expect((await post(contentUpdate(), { headers: { authorization: '' } })).statusCode).toBe(201);
    expect(queue.specs).toHaveLength(1);
  });
});
