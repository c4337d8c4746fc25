/**
 * The TypeScript client against a live server (the API over a socket on 127.0.0.1): a write whose answer
 * is lost is retried with the same Idempotency-Key and applied once; listing and following the feed from
 * the listing's cursor; a 410 ends the follow; webhooks verified with `verifyWebhook`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CalsyncApiError, CalsyncClient, verifyWebhook, type Change } from '../../src/client/index.js';
import { NotificationEndpoints } from '../../src/service/notifications/endpoints.js';
import { generateSecretKey } from '../../src/util/crypto.js';
import { makeApi, type ApiHarness } from '../api/harness.js';
import { startReceiver, type Receiver } from '../notifications/receiver.js';

let h: ApiHarness;
let base: string;
let receiver: Receiver;
let endpoints: NotificationEndpoints;

beforeEach(async () => {
  h = await makeApi();
  endpoints = await NotificationEndpoints.open({ db: h.store.db, secretKey: generateSecretKey(), clock: h.clock });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
  await h.close();
});

describe('CalsyncClient', () => {
  it('retries a write whose answer was lost with the same key: one event', async () => {
    let dropped = false;
    // The first POST reaches the server, but its answer never reaches the client.
    const lossy: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!dropped && init?.method === 'POST') {
        dropped = true;
        await res.arrayBuffer();
        throw new TypeError('fetch failed: connection reset');
      }
      return res;
    };
    const client = new CalsyncClient({ baseUrl: base, apiKey: h.a.key, fetch: lossy, retryDelayMs: 1 });
    const created = await client.createEvent({ title: 'Dress fitting', start: '2027-04-02T10:00:00Z', externalId: 'ws-fit' });
    expect(dropped).toBe(true);
    const { events, cursor } = await client.allEvents();
    expect(events.map((e) => e.id)).toEqual([created.id]);
    expect(events[0]?.externalId).toBe('ws-fit');
    expect((await client.getEventByExternalId('ws-fit')).id).toBe(created.id);

    // Following from the listing's cursor: only what happened after it.
    await client.updateEvent(created.id, { location: 'Atelier' }, { expectedVersion: 1 });
    await client.deleteEvent(created.id);
    const seen: Change[] = [];
    const stop = new AbortController();
    for await (const change of client.followChanges({ cursor, wait: 1, signal: stop.signal })) {
      seen.push(change);
      if (seen.length === 2) stop.abort();
    }
    expect(seen.map((c) => [c.type, c.version, c.externalId])).toEqual([
      ['event.updated', 2, 'ws-fit'],
      ['event.deleted', 3, 'ws-fit'],
    ]);
    const restored = await client.restoreEvent(created.id);
    expect(restored.version).toBe(4);
    expect((await client.getEvent(created.id)).sync).toEqual([]);
    await expect(client.updateEvent(created.id, { location: 'x' }, { expectedVersion: 1 })).rejects.toMatchObject({ status: 409, code: 'STORE_CONFLICT' });
  });

  it('ends a follow with a 410 error, and verifies webhooks', async () => {
    const client = new CalsyncClient({ baseUrl: base, apiKey: h.a.key });
    const stale = (async () => {
      for await (const change of client.followChanges({ cursor: 'cf1_c2VxOjk5', wait: 1 })) void change;
    })();
    await expect(stale).rejects.toBeInstanceOf(CalsyncApiError);
    await expect(stale).rejects.toMatchObject({ status: 410, code: 'CHANGES_CURSOR_EXPIRED' });

    const { endpoint, secret } = await endpoints.create(h.a.tenant.id, { url: receiver.url });
    const app = await import('../../src/server/app.js');
    const withNotifications = await app.buildApp({ store: h.store, clock: { now: () => Date.now() }, notifications: endpoints, allowPrivateUrls: true, rateLimits: false });
    try {
      const sent = await withNotifications.inject({ method: 'POST', url: `/api/v1/notification-endpoints/${endpoint.id}/test`, headers: { authorization: `Bearer ${h.a.key}` } });
      expect(sent.json()).toMatchObject({ delivered: true });
    } finally {
      await withNotifications.close();
    }
    const delivery = receiver.received[0]!;
    const headers = delivery.headers as Record<string, string>;
    expect(verifyWebhook(secret, delivery.body, headers)).toMatchObject({ type: 'webhook.test' });
    expect(() => verifyWebhook(secret, `${delivery.body} `, headers)).toThrow();
    expect(() => verifyWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, delivery.body, headers)).toThrow();
  });
});
