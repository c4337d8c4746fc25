/**
 * The service side of living within Graph's limits (issue 15): throttling answers counted in
 * `calsync_throttled_total` whether or not a retry absorbed them, the mailbox's request budget in the
 * health view, and subscriptions planned from the expiry Graph grants, never the one we asked for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/server/metrics.js';
import { integrationHealth } from '../../src/service/health.js';
import { ENSURE_SUBSCRIPTION_JOB } from '../../src/service/outlook/subscription-manager.js';
import { readRecord } from '../../src/service/outlook/subscription-record.js';
import { runCalendarSync, type SyncStatus } from '../../src/service/sync-jobs.js';
import type { SyncReport } from '../../src/sync/engine.js';
import { ManualClock } from '../../src/util/clock.js';
import { outlookHarness, type OutlookHarness } from './harness.js';

const MINUTE = 60_000;

describe('calsync_throttled_total', () => {
  it('adds every throttling answer a sync reports, absorbed or failing, and falls back to failed jobs for providers that do not count', async () => {
    const metrics = createMetrics();
    const report = { errors: [], durationMs: 10 } as unknown as SyncReport;
    metrics.observeSyncStatus({ type: 'completed', tenantId: 't', calendarId: 'a', report, throttled: 3 }, 'outlook');
    metrics.observeSyncStatus({ type: 'failed', tenantId: 't', calendarId: 'a', error: 'throttled', code: 'PROVIDER_THROTTLED', throttled: 2 }, 'outlook');
    metrics.observeSyncStatus({ type: 'failed', tenantId: 't', calendarId: 'b', error: 'throttled', code: 'PROVIDER_THROTTLED' }, 'memory');
    const text = await metrics.registry.metrics();
    expect(text).toContain('calsync_throttled_total{provider="outlook"} 5');
    expect(text).toContain('calsync_throttled_total{provider="memory"} 1');
  });
});

describe('Graph limits in the Outlook service', () => {
  let h: OutlookHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a sync that retried past 429s reports them with its status, and health shows the mailbox\'s request budget', async () => {
    h = await outlookHarness();
    const x = h;
    x.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 0 }, count: 2, pathPrefix: `/me/calendars/${x.calendar.remoteId}/calendarView/delta` });
    const statuses: SyncStatus[] = [];
    const report = await runCalendarSync({ store: x.store, providers: x.providers, clock: x.clock, onStatus: (s) => statuses.push(s) }, x.tenantId, { calendarId: x.calendar.id, reason: 'test' });
    expect(report.errors).toEqual([]);
    const done = statuses.find((s) => s.type === 'completed');
    expect(done && 'throttled' in done ? done.throttled : undefined).toBe(2);
    const health = (await integrationHealth(x.store, x.queue, x.tenantId, { providers: x.providers, clock: x.clock })).integrations[0];
    expect(health?.requestBudget).toMatchObject({ limit: 10_000, near: false });
    expect(health?.requestBudget?.used).toBeGreaterThanOrEqual(report.requests);
  });

  it('asks again at the lifetime Graph names when it refuses ours (documented 10,080 vs observed 10,070, or less)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    h = await outlookHarness({ clock, emulator: { subscriptions: { maxLifetimeMinutes: 4230 } }, subscriptions: { lifetimeMinutes: 10_080 } });
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('created');
    const rec = readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id));
    expect(Date.parse(rec?.expiresAt ?? '') - clock.now()).toBe(4229 * MINUTE);
    expect(rec?.grantedMs).toBe(4229 * MINUTE);
  });

  it('plans renewal from the expiry Graph granted, not from the lifetime it asked for', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    h = await outlookHarness({ clock, emulator: { subscriptions: { grantLifetimeMinutes: 60 } } });
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('created');
    const rec = readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id));
    expect(Date.parse(rec?.expiresAt ?? '') - clock.now()).toBe(60 * MINUTE);
    // Renewed at 75 % of the 60 minutes granted — not at once, as a margin of 25 % of 10,000 minutes would.
    const renewal = h.queue.specs.filter((s) => s.type === ENSURE_SUBSCRIPTION_JOB).at(-1);
    expect(renewal?.delayMs).toBe(45 * MINUTE);
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('kept');
  });
});
