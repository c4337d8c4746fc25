/** Outlook's limits against the emulator: 4 concurrent requests, budgets with Retry-After, 503 storms. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { makeEvent } from '../support/events.js';
import type { GraphFixture } from './support/emulator-fixture.js';
import { graphFixture } from './support/emulator-fixture.js';

describe('GraphProvider under throttling (emulator)', () => {
  let fx: GraphFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('keeps to 4 concurrent requests: parallel work never meets MailboxConcurrency', async () => {
    fx = await graphFixture();
    // Slow responses make every request overlap with the others.
    fx.emu.admin.addFault({ rule: { kind: 'latency', ms: 15 } });
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => fx.provider.create(fx.calendarId, makeEvent({ title: `Parallel ${i}` }), { hubId: `hub-${i}` }).then((w) => w.item)));
    expect(new Set(created.map((c) => c.remoteId)).size).toBe(12);
    expect(fx.client.semaphore.peak).toBe(4);
    // No 429 was ever answered, so nothing had to wait.
    expect(fx.sleep.waits).toEqual([]);
  });

  it('applies every write of a burst that exceeds the budget, waiting out each Retry-After', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const sleeps: number[] = [];
    fx = await graphFixture({
      emulator: { clock, throttle: { budget: 15, windowMs: 60_000 } },
      // Waiting moves the emulator's clock: the budget window really passes, nothing really sleeps.
      client: {
        sleep: async (ms) => {
          sleeps.push(ms);
          clock.advance(ms);
        },
        maxAttempts: 10,
      },
    });
    const events = Array.from({ length: 10 }, (_, i) => makeEvent({ title: `Burst ${i}` }));
    const created = await Promise.all(events.map((e, i) => fx.provider.create(fx.calendarId, e, { hubId: `hub-${i}` }).then((w) => w.item)));
    expect(sleeps.length).toBeGreaterThan(0);
    expect(sleeps.every((ms) => ms > 0 && ms <= 60_000)).toBe(true);
    const listing = await fx.provider.listChanges(fx.calendarId, null);
    expect(listing.kind === 'full' && listing.items.map((i) => i.event.title).sort()).toEqual(events.map((e) => e.title).sort());
    expect(created.every((c) => c.hubId?.startsWith('hub-'))).toBe(true);
  });

  it('survives a storm of 429/503 on writes and inner $batch requests without losing or duplicating one', async () => {
    fx = await graphFixture();
    fx.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 2 }, method: 'POST', count: 5 });
    fx.emu.admin.addFault({ rule: { kind: 'error', status: 503, code: 'ServiceUnavailable', retryAfterS: 1 }, method: 'GET', count: 5 });
    const events = Array.from({ length: 6 }, (_, i) => makeEvent({ title: `Storm ${i}` }));
    for (const [i, e] of events.entries()) await fx.provider.create(fx.calendarId, e, { hubId: `hub-${i}` }).then((w) => w.item);
    expect(fx.sleep.waits).toContain(2000);
    expect(fx.sleep.waits).toContain(1000);
    const listing = await fx.provider.listChanges(fx.calendarId, null);
    expect(listing.kind === 'full' && listing.items.map((i) => i.event.title).sort()).toEqual(events.map((e) => e.title).sort());
  });

  it('does not duplicate a create whose response was lost: the retried POST carries the same transactionId', async () => {
    let lost = 0;
    fx = await graphFixture({
      wrapFetch: (fetch) => async (url, init) => {
        const response = await fetch(url, init);
        // The server created the event, but the answer never arrives.
        if (init.method === 'POST' && url.endsWith('/events') && lost === 0) {
          lost += 1;
          throw new TypeError('socket hang up');
        }
        return response;
      },
    });
    const created = await fx.provider.create(fx.calendarId, makeEvent(), { hubId: 'hub-1' }).then((w) => w.item);
    expect(lost).toBe(1);
    const listing = await fx.provider.listChanges(fx.calendarId, null);
    expect(listing.kind === 'full' && listing.items.map((i) => i.remoteId)).toEqual([created.remoteId]);
  });

  it('gives up with a typed, retryable error when throttling outlasts the attempts', async () => {
    fx = await graphFixture({ client: { maxAttempts: 3 } });
    fx.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 5 }, pathPrefix: '/me/calendars' });
    const err = await fx.provider.listCalendars().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROVIDER_LISTING_FAILED', retryable: true, retryAfterS: 5 });
    expect(fx.sleep.waits).toEqual([5000, 5000]);
  });
});
