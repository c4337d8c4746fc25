/**
 * Signing an Outlook integration in again after its grant was revoked: the integration, its calendars
 * and its subscription key stay; only the tokens change. Against the Graph emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectOutlook } from '../../src/service/outlook/connect-outlook.js';
import { ENSURE_SUBSCRIPTION_JOB } from '../../src/service/outlook/subscription-manager.js';
import { readRecord } from '../../src/service/outlook/subscription-record.js';
import { enqueueCalendarSync } from '../../src/service/sync-jobs.js';
import { eventually, outlookHarness, USER, type OutlookHarness } from './harness.js';

let h: OutlookHarness;
afterEach(async () => h.close());

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('connect outlook again (emulator)', () => {
  it('re-authorizes an integration that waits for sign-in, keeping its calendars and subscription key', async () => {
    h = await outlookHarness();
    const before = await h.store.integrations.getCredentials(h.tenantId, h.integration.id);
    const calendarsBefore = await h.store.calendars.list(h.tenantId);
    await h.store.integrations.update(h.tenantId, h.integration.id, { status: 'needs_reauth', statusReason: 'invalid_grant' });
    const forgotten: string[] = [];

    const again = await connectOutlook({ store: h.store, clock: h.clock, onReconnect: async (i) => void forgotten.push(i.id) }, h.tenantId, {
      graphUrl: h.emu.url,
      ca: h.emu.caCert ?? '',
      loginHint: USER,
    });

    expect(again.reconnected).toBe(true);
    expect(again.integration).toMatchObject({ id: h.integration.id, status: 'active' });
    expect(again.integration.statusReason).toBeUndefined();
    expect(forgotten).toEqual([h.integration.id]);
    expect((await h.store.integrations.list(h.tenantId)).map((i) => i.id)).toEqual([h.integration.id]);
    expect((await h.store.calendars.list(h.tenantId)).map((c) => c.id).sort()).toEqual(calendarsBefore.map((c) => c.id).sort());
    const after = await h.store.integrations.getCredentials(h.tenantId, h.integration.id);
    expect(after.subscriptionKey).toBe(before.subscriptionKey);
    expect(typeof after.msalCache).toBe('string');
    expect(after.msalCache).not.toBe(before.msalCache);
    // The new tokens work: the provider built from the stored integration lists the mailbox.
    const provider = await h.providers.forIntegration(again.integration);
    expect((await provider.listCalendars()).length).toBe(calendarsBefore.length);
  });

  it('refuses a second integration under the name of an active one', async () => {
    h = await outlookHarness();
    const err = await errorOf(connectOutlook({ store: h.store, clock: h.clock }, h.tenantId, { graphUrl: h.emu.url, ca: h.emu.caCert ?? '', loginHint: USER }));
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect(err.message).toContain('exists already');
    expect(await h.store.integrations.list(h.tenantId)).toHaveLength(1);
  });

  it('refuses to re-authorize with another mailbox and leaves the integration waiting', async () => {
    h = await outlookHarness();
    h.emu.admin.addUser({ userPrincipalName: 'bruno@contoso.onmicrosoft.com' });
    await h.store.integrations.update(h.tenantId, h.integration.id, { status: 'needs_reauth', statusReason: 'invalid_grant' });
    const err = await errorOf(
      connectOutlook({ store: h.store, clock: h.clock }, h.tenantId, { graphUrl: h.emu.url, ca: h.emu.caCert ?? '', loginHint: 'bruno@contoso.onmicrosoft.com', name: h.integration.name }),
    );
    expect(err).toMatchObject({ code: 'VALIDATION' });
    expect(err.message).toContain(`sign in as ${USER}`);
    expect(await h.store.integrations.get(h.tenantId, h.integration.id)).toMatchObject({ status: 'needs_reauth' });
  });

  it('finding 8: a change made in Outlook while locked out reaches the hub right after the reconnect', async () => {
    h = await outlookHarness();
    const path = `/calendars/${h.calendar.remoteId}/events`;
    const created = (await h.act('POST', path, { subject: 'Venue walk-through', start: { dateTime: '2026-06-20T15:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-06-20T16:00:00', timeZone: 'UTC' } })).body as { id: string };
    await h.manager.ensure(h.tenantId, h.calendar.id);
    h.startWorkers();
    // The subscription's first delta sync is debounced (medium priority): wait for the import.
    const imported = await eventually(async () => (await h.store.events.list(h.tenantId)).find((e) => e.event.title === 'Venue walk-through'));
    await h.drain();

    // The grant is revoked (a password reset): the tokens stop working.
    h.emu.admin.revokeRefreshTokens(USER);
    h.emu.admin.expireAccessTokens(USER);
    // Graph's reauthorizationRequired (and this one, as a lifecycle notice lost and redelivered would) make
    // ensure jobs; they fail on the credentials into the dead letters.
    await h.queue.enqueue({ type: ENSURE_SUBSCRIPTION_JOB, tenantId: h.tenantId, payload: { calendarId: h.calendar.id, mode: 'reauthorize' }, priority: 'high', key: `graph-subscription:${h.calendar.id}:reauthorize`, mutex: `calendar:${h.calendar.id}`, attempts: 1 });
    await h.drain();
    const parked = await h.queue.deadLetters(h.tenantId);
    expect(parked.length).toBeGreaterThan(0);
    expect(new Set(parked.map((j) => `${j.type} ${j.history.at(-1)?.code ?? ''}`))).toEqual(new Set([`${ENSURE_SUBSCRIPTION_JOB} PROVIDER_AUTH`]));
    // A sync meets the rejected credentials: the integration waits for re-authorization.
    await enqueueCalendarSync(h.queue, h.tenantId, h.calendar.id, { priority: 'high', reason: 'test' });
    await h.drain();
    expect(await h.store.integrations.get(h.tenantId, h.integration.id)).toMatchObject({ status: 'needs_reauth' });

    // Meanwhile, in Outlook: the walk-through moves to the barn.
    expect((await h.act('PATCH', `/events/${created.id}`, { subject: 'Venue walk-through (barn)' })).status).toBe(200);
    await h.drain();
    expect((await h.store.events.get(h.tenantId, imported.id))?.event.title).toBe('Venue walk-through');

    const again = await connectOutlook(
      { store: h.store, clock: h.clock, queue: h.queue, publicUrl: h.publicUrl, onReconnect: (i) => h.providers.forget(i.id) },
      h.tenantId,
      { graphUrl: h.emu.url, ca: h.emu.caCert ?? '', loginHint: USER },
    );
    expect(again.caughtUp?.replayed.sort()).toEqual(parked.map((j) => j.id).sort());
    expect(again.caughtUp?.calendars).toContain(h.calendar.id);
    await h.drain();

    // The change is in the hub, the subscription lives on the new token, nothing is parked.
    expect((await h.store.events.get(h.tenantId, imported.id))?.event.title).toBe('Venue walk-through (barn)');
    const record = readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id));
    expect(record).toBeDefined();
    const live = h.emu.admin.subscriptions().find((s) => s.id === record?.subscriptionId);
    expect(live).toBeDefined();
    expect(live!.expirationMs).toBeGreaterThan(Date.now());
    expect(live!.tokenExpiresMs === null || live!.tokenExpiresMs > Date.now()).toBe(true);
    expect(await h.queue.deadLetters(h.tenantId)).toEqual([]);
    expect(await h.store.integrations.get(h.tenantId, h.integration.id)).toMatchObject({ status: 'active' });
  });
});
