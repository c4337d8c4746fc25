/**
 * Signing an Outlook integration in again after its grant was revoked: the integration, its calendars
 * and its subscription key stay; only the tokens change. Against the Graph emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectOutlook } from '../../src/service/outlook/connect-outlook.js';
import { outlookHarness, USER, type OutlookHarness } from './harness.js';

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
});
