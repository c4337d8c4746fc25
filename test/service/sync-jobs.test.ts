import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../src/queue/open.js';
import type { Job, JobContext, JobQueue } from '../../src/queue/types.js';
import { DEFAULT_DEBOUNCE_MS } from '../../src/queue/defaults.js';
import { drainOutbox } from '../../src/service/outbox/drainer.js';
import { enqueueCalendarSync, propagationTargets, runCalendarSync, SYNC_CALENDAR_JOB, syncJobHandler, type SyncJobPayload, type SyncStatus } from '../../src/service/sync-jobs.js';
import { makeEvent, makeWeddingEvent } from '../support/events.js';
import { makeService, RecordingQueue, type ServiceHarness } from './harness.js';

let h: ServiceHarness;

beforeEach(async () => {
  h = await makeService();
});
afterEach(async () => {
  await h.close();
});

describe('enqueueCalendarSync', () => {
  let queue: JobQueue;
  beforeEach(async () => {
    queue = await openQueue({ db: h.store.db, dialect: h.store.dialect, clock: h.clock });
  });
  afterEach(async () => {
    await queue.close();
  });

  it('enqueues one coalesced, mutually exclusive sync per calendar with the debounce of its priority', async () => {
    const low = await enqueueCalendarSync(queue, h.tenantId, 'cal-1', { priority: 'low', reason: 'poll' });
    const job = (await queue.get(low.id)) as Job<SyncJobPayload>;
    expect(job).toMatchObject({ type: SYNC_CALENDAR_JOB, tenantId: h.tenantId, key: 'sync:cal-1', mutex: 'calendar:cal-1', priority: 'low', payload: { calendarId: 'cal-1', reason: 'poll' } });
    expect(job.payload.full).toBeUndefined();
    expect(Date.parse(job.runAt)).toBe(h.clock.now() + DEFAULT_DEBOUNCE_MS.low);

    // A second request for the same calendar merges: the higher priority and the earlier run time win.
    const high = await enqueueCalendarSync(queue, h.tenantId, 'cal-1', { priority: 'high', reason: 'hub change' });
    expect(high).toEqual({ id: low.id, coalesced: true });
    const merged = (await queue.get(low.id)) as Job;
    expect(merged.priority).toBe('high');
    expect(Date.parse(merged.runAt)).toBe(h.clock.now());
    expect((await queue.counts()).waiting + (await queue.counts()).delayed).toBe(1);
  });

  it('keeps full syncs apart from incremental ones, and other calendars apart', async () => {
    const incremental = await enqueueCalendarSync(queue, h.tenantId, 'cal-1', { priority: 'medium', reason: 'user' });
    const full = await enqueueCalendarSync(queue, h.tenantId, 'cal-1', { priority: 'medium', reason: 'user', full: true, delayMs: 60_000 });
    const other = await enqueueCalendarSync(queue, h.tenantId, 'cal-2', { priority: 'medium', reason: 'user' });
    expect(new Set([incremental.id, full.id, other.id]).size).toBe(3);
    const fullJob = (await queue.get(full.id)) as Job<SyncJobPayload>;
    expect(fullJob).toMatchObject({ key: 'sync:cal-1:full', mutex: 'calendar:cal-1', payload: { full: true } });
    expect(Date.parse(fullJob.runAt)).toBe(h.clock.now() + 60_000);
  });
});

describe('runCalendarSync', () => {
  it('reports started, progress and completed with the report', async () => {
    const { calendars } = await h.addIntegration('outlook');
    const cal = calendars[0]!;
    h.server.otherClient(cal.remoteId).create(makeEvent({ title: 'Venue visit' }));
    const statuses: SyncStatus[] = [];
    const report = await runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) }, h.tenantId, { calendarId: cal.id, reason: 'test' });
    expect(report.hub.created).toBe(1);
    expect(statuses[0]).toEqual({ type: 'started', tenantId: h.tenantId, calendarId: cal.id, at: h.clock.now() });
    expect(statuses.some((s) => s.type === 'in_progress' && s.total >= 1)).toBe(true);
    expect(statuses.at(-1)).toEqual({ type: 'completed', tenantId: h.tenantId, calendarId: cal.id, report });
    expect((await h.store.events.list(h.tenantId)).map((e) => e.event.title)).toEqual(['Venue visit']);
  });

  it('writes nothing on a dry run', async () => {
    const { calendars } = await h.addIntegration('outlook');
    h.server.otherClient(calendars[0]!.remoteId).create(makeEvent({ title: 'Venue visit' }));
    const report = await runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock }, h.tenantId, { calendarId: calendars[0]!.id, reason: 'test' }, { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.plan).toHaveLength(1);
    expect(await h.store.events.list(h.tenantId)).toEqual([]);
  });

  it('reports a failure with its code and rethrows it', async () => {
    const { calendars } = await h.addIntegration('outlook');
    h.server.faults.failListings({ count: 5 });
    const statuses: SyncStatus[] = [];
    await expect(runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) }, h.tenantId, { calendarId: calendars[0]!.id, reason: 'test' })).rejects.toMatchObject({ code: expect.any(String) });
    const failed = statuses.at(-1);
    expect(failed).toMatchObject({ type: 'failed', calendarId: calendars[0]!.id, code: expect.any(String), error: expect.any(String) });
  });

  it('reports a provider that cannot be built as a failed sync', async () => {
    const integration = await h.store.integrations.create(h.tenantId, { provider: 'caldav', name: 'broken', config: { username: 'ann' }, credentials: {} });
    const cal = await h.store.calendars.upsert(h.tenantId, integration.id, { remoteId: 'r', name: 'r', enabled: true });
    const statuses: SyncStatus[] = [];
    await expect(runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) }, h.tenantId, { calendarId: cal.id, reason: 'test' })).rejects.toMatchObject({ code: 'CONFIG' });
    expect(statuses.map((s) => s.type)).toEqual(['started', 'failed']);
    expect(statuses[1]).toMatchObject({ code: 'CONFIG', error: 'integration "broken" has no server URL; reconnect it' });
  });

  it('refuses an unknown calendar', async () => {
    await expect(runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock }, h.tenantId, { calendarId: 'nope', reason: 'test' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND', message: 'calendar nope not found' });
  });
});

describe('propagation', () => {
  it('targets every other enabled calendar that takes hub changes', async () => {
    const { calendars: [a, b, c, d] } = await h.addIntegration('outlook', 4);
    await h.store.calendars.update(h.tenantId, c!.id, { enabled: false });
    await h.store.calendars.update(h.tenantId, d!.id, { direction: 'import_only' });
    const { calendars: [e] } = await h.addIntegration('phone');
    const export_ = await h.store.calendars.update(h.tenantId, e!.id, { direction: 'export_only' });
    expect((await propagationTargets(h.store, h.tenantId, [a!.id])).map((x) => x.id).sort()).toEqual([b!.id, export_.id].sort());
    expect((await propagationTargets(h.store, h.tenantId, [])).map((x) => x.id).sort()).toEqual([a!.id, b!.id, e!.id].sort());
  });

  it('leaves out calendars of integrations that are flagged or wait for re-auth', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook');
    const { integration: flagged, calendars: [b] } = await h.addIntegration('phone');
    const { integration: reauth } = await h.addIntegration('office');
    await h.store.integrations.update(h.tenantId, flagged.id, { status: 'flagged', statusReason: 'mass delete' });
    await h.store.integrations.update(h.tenantId, reauth.id, { status: 'needs_reauth' });
    expect((await propagationTargets(h.store, h.tenantId, [])).map((x) => x.id)).toEqual([a!.id]);
    await h.store.integrations.update(h.tenantId, flagged.id, { status: 'active', statusReason: undefined });
    expect((await propagationTargets(h.store, h.tenantId, [])).map((x) => x.id).sort()).toEqual([a!.id, b!.id].sort());
  });
});

describe('syncJobHandler', () => {
  it('syncs the calendar; its hub changes are outbox records the drainer fans out to the other calendars', async () => {
    const { calendars: [outlook] } = await h.addIntegration('outlook');
    const { calendars: [phone] } = await h.addIntegration('phone');
    h.server.otherClient(outlook!.remoteId).create(makeWeddingEvent('reception'));
    const queue = new RecordingQueue();
    const statuses: SyncStatus[] = [];
    const handler = syncJobHandler({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) });
    const job = { id: 'j1', tenantId: h.tenantId } as Job<SyncJobPayload>;
    await handler({ calendarId: outlook!.id, reason: 'webhook' }, job, {} as JobContext);
    expect(statuses.at(-1)?.type).toBe('completed');
    await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId);
    expect(queue.syncs()).toEqual([{ calendarId: phone!.id, priority: 'high', reason: `hub change from ${outlook!.id}` }]);

    // Nothing new: nothing to fan out.
    await handler({ calendarId: outlook!.id, reason: 'poll' }, job, {} as JobContext);
    await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId);
    expect(queue.specs).toHaveLength(1);
  });

  it('skips a sync whose calendar was disconnected while it waited, instead of failing it', async () => {
    const { integration, calendars: [outlook] } = await h.addIntegration('outlook');
    await h.store.integrations.delete(h.tenantId, integration.id);
    const queue = new RecordingQueue();
    const statuses: SyncStatus[] = [];
    const handler = syncJobHandler({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) });
    await expect(handler({ calendarId: outlook!.id, reason: 'poll' }, { id: 'j2', tenantId: h.tenantId } as Job<SyncJobPayload>, {} as JobContext)).resolves.toBeUndefined();
    expect(statuses).toEqual([]);
    expect(queue.specs).toEqual([]);
  });

  it('marks an integration whose credentials are rejected as needing re-auth, once, without a dead letter', async () => {
    const { integration, calendars: [outlook] } = await h.addIntegration('outlook');
    h.server.faults.failNext('listChanges', 'PROVIDER_AUTH', { count: 3 });
    const statuses: SyncStatus[] = [];
    const handler = syncJobHandler({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) });
    await expect(handler({ calendarId: outlook!.id, reason: 'poll' }, { id: 'j3', tenantId: h.tenantId } as Job<SyncJobPayload>, {} as JobContext)).resolves.toBeUndefined();
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', code: 'PROVIDER_AUTH' });
    const after = await h.store.integrations.get(h.tenantId, integration.id);
    expect(after).toMatchObject({ status: 'needs_reauth', statusReason: expect.stringContaining('reconnect the account') });
    // Its calendars are no longer targets of hub changes until it is reconnected.
    expect(await propagationTargets(h.store, h.tenantId, [])).toEqual([]);
  });

  it('passes the job lost-lease signal to the sync: a lost lease stops it with SYNC_LEASE_LOST and nothing written', async () => {
    const { calendars: [outlook] } = await h.addIntegration('outlook');
    h.server.otherClient(outlook!.remoteId).create(makeWeddingEvent('reception'));
    const statuses: SyncStatus[] = [];
    const handler = syncJobHandler({ store: h.store, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) });
    const lease = new AbortController();
    // The queue has taken the lease away (another worker has the calendar) by the time the sync would write.
    lease.abort();
    const ctx: JobContext = { jobId: 'j5', attempt: 1, signal: lease.signal, lost: lease.signal };
    await expect(handler({ calendarId: outlook!.id, reason: 'poll' }, { id: 'j5', tenantId: h.tenantId } as Job<SyncJobPayload>, ctx)).rejects.toMatchObject({ code: 'SYNC_LEASE_LOST', retryable: true });
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', code: 'SYNC_LEASE_LOST' });
    expect(await h.store.events.list(h.tenantId)).toEqual([]);
    expect((await h.store.syncState.get(h.tenantId, outlook!.id)).cursor).toBeUndefined();
  });

  it('still fails other errors so the queue retries them', async () => {
    const { calendars: [outlook] } = await h.addIntegration('outlook');
    h.server.faults.failNext('listChanges', 'PROVIDER_UNAVAILABLE', { count: 3 });
    const handler = syncJobHandler({ store: h.store, providers: h.providers, clock: h.clock });
    await expect(handler({ calendarId: outlook!.id, reason: 'poll' }, { id: 'j4', tenantId: h.tenantId } as Job<SyncJobPayload>, {} as JobContext)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });
});
