/** Disconnecting withdraws what the integration set up on the server: Graph subscriptions (emulator). */
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriptionManager } from '../../src/service/outlook/subscription-manager.js';
import { withdrawRegistrations } from '../../src/service/withdraw-registrations.js';
import { outlookHarness, type OutlookHarness } from './harness.js';

let h: OutlookHarness;
afterEach(async () => h.close());

describe('withdrawRegistrations (Outlook)', () => {
  it("deletes the integration's Graph subscriptions, also from a process without CALSYNC_PUBLIC_URL", async () => {
    h = await outlookHarness();
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('created');
    expect(h.emu.admin.subscriptions()).toHaveLength(1);
    await withdrawRegistrations({ store: h.store, queue: h.queue, providers: h.providers, clock: h.clock }, h.integration);
    expect(h.emu.admin.subscriptions()).toEqual([]);
    expect((await h.store.syncState.get(h.tenantId, h.calendar.id)).push).toBeUndefined();
  });

  it('refuses to create a subscription without a public URL (CONFIG), naming the variable', async () => {
    h = await outlookHarness();
    const manager = new SubscriptionManager({ store: h.store, queue: h.queue, providers: h.providers, clock: h.clock });
    await expect(manager.ensure(h.tenantId, h.calendar.id)).rejects.toMatchObject({ code: 'CONFIG', details: { variable: 'CALSYNC_PUBLIC_URL' } });
    expect(h.emu.admin.subscriptions()).toEqual([]);
  });
});
