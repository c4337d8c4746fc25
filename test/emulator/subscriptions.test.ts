import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, event, startHarness, startReceiver, until } from './helpers.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
const inMinutes = (clockNow: number, minutes: number): string => new Date(clockNow + minutes * 60_000).toISOString();

const DOCUMENTED_FIELDS = [
  'id', 'resource', 'applicationId', 'changeType', 'clientState', 'notificationUrl', 'notificationQueryOptions', 'lifecycleNotificationUrl',
  'expirationDateTime', 'creatorId', 'includeResourceData', 'latestSupportedTlsVersion', 'encryptionCertificate', 'encryptionCertificateId',
  'notificationUrlAppId', 'notificationContentType',
];

describe('Graph emulator: subscriptions', () => {
  let h: Harness;
  let rx: Receiver;
  beforeAll(async () => {
    h = await startHarness({ delivery: { retryBaseMs: 20, retryMaxMs: 100, timeoutMs: 500 }, subscriptions: { validationTimeoutMs: 300 } });
    rx = await startReceiver();
  });
  afterAll(async () => {
    await h.close();
    await rx.close();
  });
  afterEach(() => {
    for (const sub of h.emu.admin.subscriptions()) h.emu.admin.removeSubscription(sub.id);
    rx.received.length = 0;
  });

  const subscribe = (extra: Record<string, unknown> = {}) =>
    h.client.api('/subscriptions').post({
      changeType: 'created,updated,deleted',
      notificationUrl: `${rx.url}/notify?tenant=t1`,
      resource: '/me/events',
      expirationDateTime: inMinutes(Date.now(), 60),
      clientState: 'secret-state',
      ...extra,
    });

  it('creates a subscription after the validation handshake and returns every documented field', async () => {
    const sub = await subscribe();
    const handshake = rx.received[0];
    expect(handshake?.headers['content-type']).toMatch(/^text\/plain/);
    const token = new URL(handshake?.url ?? '', 'http://x').searchParams.get('validationToken');
    expect(token).toMatch(/^Validation: /);
    expect(new URL(handshake?.url ?? '', 'http://x').searchParams.get('tenant')).toBe('t1');
    expect(Object.keys(sub).filter((k) => !k.startsWith('@odata'))).toEqual(DOCUMENTED_FIELDS);
    expect(sub).toMatchObject({ resource: '/me/events', changeType: 'created,updated,deleted', clientState: 'secret-state', lifecycleNotificationUrl: null, latestSupportedTlsVersion: 'v1_2', includeResourceData: false });
    expect(sub['@odata.context']).toMatch(/\$metadata#subscriptions\/\$entity$/);
  });

  it('fails the create when the endpoint does not echo the token in time, with the documented body', async () => {
    const wrong = await startReceiver(() => ({ status: 200, body: 'not the token' }));
    const slow = await startReceiver(async (r) => {
      await new Promise((res) => setTimeout(res, 600));
      return { status: 200, body: new URL(r.url, 'http://x').searchParams.get('validationToken') ?? '' };
    });
    const json = await startReceiver((r) => ({ status: 200, type: 'application/json', body: new URL(r.url, 'http://x').searchParams.get('validationToken') ?? '' }));
    try {
      for (const url of [wrong.url, slow.url, json.url, 'http://127.0.0.1:1/unreachable']) {
        const res = await h.call('POST', '/subscriptions', { body: { changeType: 'created', notificationUrl: url, resource: 'me/events', expirationDateTime: inMinutes(Date.now(), 60) } });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          error: { code: 'InvalidRequest', message: 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.' },
        });
      }
      const lifecycle = await h.call('POST', '/subscriptions', { body: { changeType: 'created', notificationUrl: rx.url, lifecycleNotificationUrl: wrong.url, resource: 'me/events', expirationDateTime: inMinutes(Date.now(), 60) } });
      expect(lifecycle.status).toBe(400);
    } finally {
      await Promise.all([wrong.close(), slow.close(), json.close()]);
    }
  });

  it('enforces the lifetime, clientState, changeType, URL and resource rules', async () => {
    const base = { changeType: 'created', notificationUrl: rx.url, resource: '/me/events', expirationDateTime: inMinutes(Date.now(), 60) };
    const tooLong = await h.call('POST', '/subscriptions', { body: { ...base, expirationDateTime: inMinutes(Date.now(), 10_080) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ error: { code: 'ExtensionError', message: 'Subscription expiration can only be 10070 minutes in the future.' } });
    const bad = [
      { ...base, expirationDateTime: inMinutes(Date.now(), -1) },
      { ...base, expirationDateTime: 'soon' },
      { ...base, clientState: 'x'.repeat(129) },
      { ...base, changeType: 'created,moved' },
      { ...base, notificationUrl: 'http://example.com/hook' },
      { ...base, notificationUrl: 'not a url' },
      { ...base, resource: '/me/messages' },
      { ...base, resource: undefined },
    ];
    for (const body of bad) expect((await h.call('POST', '/subscriptions', { body })).status).toBe(400);
    const ok = await h.call('POST', '/subscriptions', { body: { ...base, expirationDateTime: inMinutes(Date.now(), 10_060) } });
    expect(ok.status).toBe(201);
  });

  it('gets, lists, renews, reauthorizes and deletes; other apps cannot see it', async () => {
    const sub = await subscribe();
    expect((await h.client.api(`/subscriptions/${sub.id}`).get()).id).toBe(sub.id);
    const list = await h.client.api('/subscriptions').get();
    expect(list.value.map((s: { id: string }) => s.id)).toContain(sub.id);
    const renewed = await h.client.api(`/subscriptions/${sub.id}`).patch({ expirationDateTime: inMinutes(Date.now(), 120) });
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
    expect((await h.call('PATCH', `/subscriptions/${sub.id}`, { body: { lifecycleNotificationUrl: rx.url } })).status).toBe(400);
    expect((await h.call('POST', `/subscriptions/${sub.id}/reauthorize`)).status).toBe(204);

    const otherApp = h.emu.admin.issueToken('adele@contoso.onmicrosoft.com', { clientId: 'another-app' }).accessToken;
    expect((await h.call('GET', `/subscriptions/${sub.id}`, { token: otherApp })).status).toBe(404);

    await h.client.api(`/subscriptions/${sub.id}`).delete();
    const gone = await h.call('GET', `/subscriptions/${sub.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('POSTs notifications in the documented shape to the notificationUrl with its query string', async () => {
    const sub = await subscribe();
    rx.received.length = 0;
    const created = await h.client.api('/me/events').post(event('Notified', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
    const items = (): unknown[] => rx.received.flatMap((r) => (r.body as { value: unknown[] }).value);
    await until(() => items().length >= 2);
    const note = rx.received[0];
    expect(note?.url).toBe('/notify?tenant=t1');
    expect(note?.headers['content-type']).toMatch(/^application\/json/);
    const mb = h.emu.admin.users()[0];
    const shape = (changeType: string): Record<string, unknown> => ({
      id: expect.stringMatching(/^[\w-]{8,}$/),
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: sub.expirationDateTime,
      changeType,
      resource: `Users/${mb?.id}/Events/${created.id}`,
      resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': `Users/${mb?.id}/Events/${created.id}`, '@odata.etag': created['@odata.etag'], id: created.id },
      clientState: 'secret-state',
      tenantId: h.emu.tenantId,
    });
    // A new event raises `created` and then `updated`, as live Graph does; each notification has its own id.
    expect(items()).toEqual([shape('created'), shape('updated')]);
    const ids = (items() as { id: string }[]).map((v) => v.id);
    expect(new Set(ids).size).toBe(2);
    await h.client.api(`/subscriptions/${sub.id}`).delete();
  });

  it('sends a new event as `created` only when createAlsoUpdates is off (the documented behaviour)', async () => {
    const lenient = await startHarness({ strict: { createAlsoUpdates: false } });
    try {
      await lenient.client.api('/subscriptions').post({
        changeType: 'created,updated', notificationUrl: `${rx.url}/notify`, resource: '/me/events', expirationDateTime: inMinutes(Date.now(), 60),
      });
      rx.received.length = 0;
      await lenient.client.api('/me/events').post(event('Once', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      await until(() => rx.received.length >= 1);
      await lenient.emu.admin.flushNotifications();
      const items = rx.received.flatMap((r) => (r.body as { value: { changeType: string }[] }).value);
      expect(items.map((i) => i.changeType)).toEqual(['created']);
    } finally {
      await lenient.close();
    }
  });

  it('sends only the subscribed change types and only for the subscribed calendar', async () => {
    const cal = await h.client.api('/me/calendars').post({ name: 'Notify only here' });
    const sub = await subscribe({ changeType: 'deleted', resource: `/me/calendars/${cal.id}/events` });
    rx.received.length = 0;
    const inOther = await h.client.api('/me/events').post(event('Elsewhere', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
    await h.client.api(`/me/events/${inOther.id}`).delete();
    const mine = await h.client.api(`/me/calendars/${cal.id}/events`).post(event('Here', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
    await h.client.api(`/me/events/${mine.id}`).delete();
    await until(() => rx.received.length >= 1);
    await h.emu.admin.flushNotifications();
    const items = rx.received.flatMap((r) => (r.body as { value: { changeType: string; resourceData: { id: string } }[] }).value);
    expect(items.map((i) => [i.changeType, i.resourceData.id])).toEqual([['deleted', mine.id]]);
    await h.client.api(`/subscriptions/${sub.id}`).delete();
  });
});

describe('Graph emulator: notification delivery and lifecycle', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ delivery: { retryBaseMs: 20, retryMaxMs: 100, timeoutMs: 300, maxAttempts: 3, slowThresholdMs: 150, slowMinSample: 4 } });
  });
  afterAll(() => h.close());

  async function subscribeTo(url: string, lifecycleUrl?: string, changeType = 'created,updated,deleted'): Promise<{ id: string }> {
    return h.client.api('/subscriptions').post({
      changeType,
      notificationUrl: url,
      ...(lifecycleUrl ? { lifecycleNotificationUrl: lifecycleUrl } : {}),
      resource: '/me/events',
      expirationDateTime: inMinutes(Date.now(), 60),
      clientState: 'cs',
    });
  }

  const isValidation = (url: string): boolean => url.includes('validationToken=');

  it('retries failed and timed-out deliveries with backoff until one succeeds', async () => {
    let calls = 0;
    const rx = await startReceiver(async (r) => {
      if (isValidation(r.url)) return { status: 200, body: new URL(r.url, 'http://x').searchParams.get('validationToken') ?? '' };
      calls++;
      if (calls === 1) return { status: 500 };
      if (calls === 2) await new Promise((res) => setTimeout(res, 500));
      return { status: 202 };
    });
    try {
      // `created` only: a new event also raises `updated` (strict emulator), and that second delivery
      // would race the first one's retries for the receiver's calls.
      const sub = await subscribeTo(rx.url, undefined, 'created');
      await h.client.api('/me/events').post(event('Retry me', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      await until(() => h.emu.admin.deliveries().some((d) => d.outcome === 'delivered' && d.url === rx.url));
      const log = h.emu.admin.deliveries().filter((d) => d.url === rx.url);
      expect(log.map((d) => d.outcome)).toEqual(['failed', 'failed', 'delivered']);
      expect(log.map((d) => d.attempt)).toEqual([1, 2, 3]);
      expect(log[0]?.status).toBe(500);
      expect(log[1]?.error).toBeDefined();
      await h.client.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await rx.close();
    }
  });

  it('gives up after the bounded number of attempts', async () => {
    const rx = await startReceiver((r) => (isValidation(r.url) ? { status: 200, body: new URL(r.url, 'http://x').searchParams.get('validationToken') ?? '' } : { status: 503 }));
    try {
      const sub = await subscribeTo(rx.url);
      await h.client.api('/me/events').post(event('Never delivered', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      // The batch holding the `created` notification (its `updated` may travel with it or on its own).
      const created = () => h.emu.admin.deliveries().filter((d) => d.url === rx.url && d.items.some((i) => i['changeType'] === 'created'));
      await until(() => created().some((d) => d.outcome === 'discarded'));
      expect(created().map((d) => d.outcome)).toEqual(['failed', 'failed', 'discarded']);
      await h.client.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await rx.close();
    }
  });

  it('drops, duplicates and delays notifications on request', async () => {
    const rx = await startReceiver();
    try {
      const sub = await subscribeTo(rx.url);
      rx.received.length = 0;
      const dropped = await h.client.api('/me/events').post(event('Dropped', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      const twice = await h.client.api('/me/events').post(event('Twice', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      await until(() => rx.received.length >= 1);
      await h.emu.admin.flushNotifications();
      rx.received.length = 0;
      h.emu.admin.setNotificationFaults({ drop: 1, duplicate: 1 });
      await h.client.api(`/me/events/${dropped.id}`).patch({ subject: 'Dropped, edited' });
      await h.client.api(`/me/events/${twice.id}`).patch({ subject: 'Twice, edited' });
      await until(() => rx.received.length >= 2);
      await h.emu.admin.flushNotifications();
      expect(rx.received).toHaveLength(2);
      expect(rx.received[0]?.rawBody).toBe(rx.received[1]?.rawBody);
      expect(h.emu.admin.deliveries().some((d) => d.outcome === 'dropped' && d.error === 'admin fault')).toBe(true);
      await h.client.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await rx.close();
    }
  });

  it('sends lifecycle notifications: subscriptionRemoved (and removes it), reauthorizationRequired, missed', async () => {
    const rx = await startReceiver();
    const life = await startReceiver();
    try {
      const sub = await subscribeTo(rx.url, life.url);
      expect(life.received.filter((r) => isValidation(r.url))).toHaveLength(1);
      expect(h.emu.admin.sendLifecycle(sub.id, 'reauthorizationRequired')).toBe(true);
      expect(h.emu.admin.removeSubscription(sub.id)).toBe(true);
      await until(() => life.received.filter((r) => !isValidation(r.url)).length >= 1);
      await h.emu.admin.flushNotifications();
      const events = life.received.filter((r) => !isValidation(r.url)).flatMap((r) => (r.body as { value: Record<string, unknown>[] }).value);
      expect(events.map((e) => e.lifecycleEvent)).toEqual(['reauthorizationRequired', 'subscriptionRemoved']);
      expect(Object.keys(events[0] ?? {}).sort()).toEqual(['clientState', 'lifecycleEvent', 'subscriptionExpirationDateTime', 'subscriptionId', 'tenantId']);
      expect(events[0]).toMatchObject({ subscriptionId: sub.id, clientState: 'cs', tenantId: h.emu.tenantId });
      expect((await h.call('GET', `/subscriptions/${sub.id}`)).status).toBe(404);
      expect(h.emu.admin.sendLifecycle(sub.id, 'missed')).toBe(false);
    } finally {
      await Promise.all([rx.close(), life.close()]);
    }
  });

  it('drops notifications to a slow endpoint and tells the app with `missed`', async () => {
    const slow = await startReceiver(async (r) => {
      if (isValidation(r.url)) return { status: 200, body: new URL(r.url, 'http://x').searchParams.get('validationToken') ?? '' };
      await new Promise((res) => setTimeout(res, 200));
      return { status: 202 };
    });
    const life = await startReceiver();
    try {
      const sub = await subscribeTo(slow.url, life.url);
      // Slow answers until the sample is large enough (4); from then on notifications are dropped. (Each
      // new event raises `created` and `updated`, which may go out together or apart.)
      const settled = (): number => h.emu.admin.deliveries().filter((d) => d.url === slow.url && (d.outcome === 'delivered' || d.outcome === 'dropped')).length;
      const dropped = (): boolean => h.emu.admin.deliveries().some((d) => d.url === slow.url && d.outcome === 'dropped');
      for (let i = 0; i < 8 && !dropped(); i++) {
        const before = settled();
        await h.client.api('/me/events').post(event(`Slow ${i}`, '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
        await until(() => settled() > before);
      }
      await until(() => life.received.some((r) => !isValidation(r.url)));
      const missed = (life.received.find((r) => !isValidation(r.url))?.body as { value: { lifecycleEvent: string; subscriptionId: string }[] }).value[0];
      expect(missed).toMatchObject({ lifecycleEvent: 'missed', subscriptionId: sub.id });
      expect(h.emu.admin.deliveries().some((d) => d.url === slow.url && d.outcome === 'dropped' && d.error === 'endpoint too slow')).toBe(true);
    } finally {
      await Promise.all([slow.close(), life.close()]);
    }
  });

  it('notifies changes made by another Outlook client through the admin API', async () => {
    const rx = await startReceiver();
    try {
      const sub = await subscribeTo(rx.url);
      rx.received.length = 0;
      const made = await h.emu.admin.act('adele@contoso.onmicrosoft.com', 'POST', '/events', event('From Outlook desktop', '2026-06-22T10:00:00', '2026-06-22T11:00:00'));
      expect(made.status).toBe(201);
      const id = (made.body as { id: string }).id;
      const updated = await h.emu.admin.act('adele@contoso.onmicrosoft.com', 'PATCH', `/events/${id}`, { subject: 'Edited on the phone' });
      expect(updated.status).toBe(200);
      await until(() => rx.received.length >= 1);
      await h.emu.admin.flushNotifications();
      const items = rx.received.flatMap((r) => (r.body as { value: { changeType: string }[] }).value);
      // Live Graph follows a `created` with an `updated`; then the PATCH's own `updated`.
      expect(items.map((i) => i.changeType)).toEqual(['created', 'updated', 'updated']);
      await h.client.api(`/subscriptions/${sub.id}`).delete();
    } finally {
      await rx.close();
    }
  });
});

describe('Graph emulator: subscription expiry on the clock', () => {
  it('forgets expired subscriptions and stops notifying', async () => {
    const clock = new ManualClock(Date.now());
    const h = await startHarness({ clock });
    const rx = await startReceiver();
    try {
      const sub = await h.client.api('/subscriptions').post({ changeType: 'created', notificationUrl: rx.url, resource: '/me/events', expirationDateTime: inMinutes(clock.now(), 30) });
      clock.advance(31 * 60_000);
      h.renewToken();
      expect((await h.call('GET', `/subscriptions/${sub.id}`)).status).toBe(404);
      rx.received.length = 0;
      await h.client.api('/me/events').post(event('Nobody listens', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      await h.emu.admin.flushNotifications();
      expect(rx.received).toHaveLength(0);
    } finally {
      await h.close();
      await rx.close();
    }
  });
});

describe('Graph emulator: reauthorization (change-notifications-lifecycle-events.md)', () => {
  it('asks for reauthorization before the token lapses, pauses delivery after a grace period, resumes on reauthorize', async () => {
    const clock = new ManualClock(Date.now());
    const h = await startHarness({ clock });
    const rx = await startReceiver();
    const life = await startReceiver();
    const lifecycleEvents = (): string[] =>
      life.received.filter((r) => !r.url.includes('validationToken')).flatMap((r) => (r.body as { value: { lifecycleEvent: string }[] }).value.map((v) => v.lifecycleEvent));
    try {
      const sub = await h.client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: rx.url,
        lifecycleNotificationUrl: life.url,
        resource: '/me/events',
        expirationDateTime: inMinutes(clock.now(), 4000),
      });
      await h.emu.admin.flushNotifications();
      expect(lifecycleEvents()).toEqual([]);
      clock.advance(46 * 60_000); // the token has 14 minutes left
      await h.emu.admin.flushNotifications();
      expect(lifecycleEvents()).toEqual(['reauthorizationRequired']);
      clock.advance(5 * 60_000);
      await h.emu.admin.flushNotifications();
      expect(lifecycleEvents()).toHaveLength(1); // repeated only every 15 minutes
      clock.advance(75 * 60_000); // token lapsed 66 minutes ago: past the grace period
      h.renewToken();
      await h.client.api('/me/events').post(event('Lost', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      await h.emu.admin.flushNotifications();
      expect(rx.received.filter((r) => !r.url.includes('validationToken'))).toHaveLength(0);
      expect(h.emu.admin.deliveries().filter((d) => d.url === rx.url).at(-1)).toMatchObject({ outcome: 'dropped', error: 'subscription awaits reauthorization' });

      await h.client.api(`/subscriptions/${sub.id}/reauthorize`).post({});
      await h.client.api('/me/events').post(event('Delivered', '2026-06-20T10:00:00', '2026-06-20T11:00:00'));
      await until(() => rx.received.some((r) => !r.url.includes('validationToken')));

      // Expiring the tokens on purpose raises the challenge at once.
      h.emu.admin.expireAccessTokens('adele@contoso.onmicrosoft.com');
      await h.emu.admin.flushNotifications();
      expect(lifecycleEvents().at(-1)).toBe('reauthorizationRequired');
      expect(lifecycleEvents().length).toBeGreaterThanOrEqual(3);
    } finally {
      await h.close();
      await Promise.all([rx.close(), life.close()]);
    }
  });

  it('asks for reauthorization when the subscription itself is about to expire', async () => {
    const clock = new ManualClock(Date.now());
    const h = await startHarness({ clock, tokens: { accessTokenLifetimeMs: 24 * 3_600_000 } });
    const life = await startReceiver();
    try {
      await h.client.api('/subscriptions').post({ changeType: 'created', notificationUrl: life.url, lifecycleNotificationUrl: life.url, resource: '/me/events', expirationDateTime: inMinutes(clock.now(), 120) });
      clock.advance(106 * 60_000);
      await h.emu.admin.flushNotifications();
      const notices = life.received.filter((r) => !r.url.includes('validationToken'));
      expect((notices[0]?.body as { value: { lifecycleEvent: string }[] }).value[0]?.lifecycleEvent).toBe('reauthorizationRequired');
    } finally {
      await h.close();
      await life.close();
    }
  });
});
