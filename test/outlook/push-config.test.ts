/**
 * Push needs a public URL (CALSYNC_PUBLIC_URL): without one nothing is subscribed, leftover subscription
 * jobs are dropped instead of dead-lettered, and health says why push is off. The subscription record is
 * written on its own (`syncState.setPush`), so a sync writing back the state it read cannot lose it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, JobContext, JobHandler } from '../../src/queue/types.js';
import { integrationHealth } from '../../src/service/health.js';
import { outlookJobHandlers } from '../../src/service/outlook/jobs.js';
import { ENSURE_SUBSCRIPTION_JOB, SUBSCRIPTION_SWEEP_JOB, SubscriptionManager } from '../../src/service/outlook/subscription-manager.js';
import { readRecord } from '../../src/service/outlook/subscription-record.js';
import { outlookHarness, type OutlookHarness } from './harness.js';
import { subscribedCalendar, type SubscribedCalendar } from './support.js';

const ctx: JobContext = { jobId: 'j', attempt: 1, signal: new AbortController().signal };
const job = <P>(type: string, tenantId: string, payload: P): Job<P> => ({ id: 'j', type, tenantId, payload, priority: 'high' }) as Job<P>;

describe('Outlook push without / with a public URL', () => {
  let h: OutlookHarness | undefined;
  let sub: SubscribedCalendar | undefined;
  afterEach(async () => {
    await h?.close();
    await sub?.close();
    h = undefined;
    sub = undefined;
  });

  it('without CALSYNC_PUBLIC_URL: ensure and sweep jobs are dropped (no subscription, no dead letter) and health says push is off', async () => {
    h = await outlookHarness();
    const handlers = outlookJobHandlers({ store: h.store, queue: h.queue, providers: h.providers, clock: h.clock });
    await (handlers[ENSURE_SUBSCRIPTION_JOB] as JobHandler<unknown>)({ calendarId: h.calendar.id, mode: 'ensure' }, job(ENSURE_SUBSCRIPTION_JOB, h.tenantId, {}), ctx);
    await (handlers[SUBSCRIPTION_SWEEP_JOB] as JobHandler<unknown>)({}, job(SUBSCRIPTION_SWEEP_JOB, h.tenantId, {}), ctx);
    expect(h.emu.admin.subscriptions()).toEqual([]);
    expect(h.queue.specs.filter((s) => s.type === SUBSCRIPTION_SWEEP_JOB)).toEqual([]);

    const report = (await integrationHealth(h.store, h.queue, h.tenantId, { pushConfigured: false })).integrations[0]!;
    expect(report.pushOff).toContain('CALSYNC_PUBLIC_URL');
    expect(report.healthy).toBe(true);
    // Not told about the configuration: health still sees that no calendar has a live subscription.
    expect((await integrationHealth(h.store, h.queue, h.tenantId)).integrations[0]!.pushOff).toMatch(/^push off for 1 of 1 calendar/);
    // Once subscribed, push is on.
    await h.manager.ensure(h.tenantId, h.calendar.id);
    expect((await integrationHealth(h.store, h.queue, h.tenantId)).integrations[0]!.pushOff).toBeNull();
  });

  it('refuses a plain-http public URL unless its host is loopback', () => {
    const deps = { store: {} as never, queue: {} as never, providers: {} as never, clock: { now: () => 0 } as never };
    expect(() => new SubscriptionManager({ ...deps, publicUrl: 'http://sync.example.com' })).toThrow(/https/);
    expect(() => new SubscriptionManager({ ...deps, publicUrl: 'http://127.0.0.1:3000' })).not.toThrow();
    expect(() => new SubscriptionManager({ ...deps, publicUrl: 'https://sync.example.com' })).not.toThrow();
  });

  it('a sync writing back the state it read (compare-and-set on the cursor) keeps a subscription saved meanwhile', async () => {
    sub = await subscribedCalendar();
    const { store, tenantId, calendar } = sub;
    await store.syncState.set(tenantId, { calendarId: calendar.id, hubSeq: 1, cursor: 'd1' }, { expectedCursor: null });
    // The engine reads its state (with the old record) …
    const read = await store.syncState.get(tenantId, calendar.id);
    expect(readRecord(read)?.subscriptionId).toBe('sub-1');
    // … the subscription is recreated outside the calendar's lock …
    await store.syncState.setPush(tenantId, calendar.id, { ...read.push, subscriptionId: 'sub-2' });
    // … and the sync finishes, writing back the state it read.
    await store.syncState.set(tenantId, { ...read, cursor: 'd2', hubSeq: 2 }, { expectedCursor: 'd1' });
    const after = await store.syncState.get(tenantId, calendar.id);
    expect(after.cursor).toBe('d2');
    expect(readRecord(after)?.subscriptionId).toBe('sub-2');
  });
});
