import { describe, expect, it } from 'vitest';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import type { StatusEvent } from '../../src/service/status/events.js';
import { statusReporter } from '../../src/service/status/reporter.js';
import type { SyncReport } from '../../src/sync/engine.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

const store = { calendars: { get: async (_t: string, id: string) => (id === 'known' ? { integrationId: 'int-1' } : undefined) } } as unknown as Store;

function report(overrides: Partial<SyncReport> = {}): SyncReport {
  return {
    tenantId: 't',
    calendarId: 'known',
    dryRun: false,
    hub: { created: 2, updated: 1, deleted: 0 },
    remote: { created: 0, updated: 0, deleted: 1 },
    linked: 0,
    unlinked: 0,
    echoes: 0,
    conflicts: { recorded: 1, resolved: 1 },
    plan: ['x'],
    errors: [],
    problems: [],
    requests: 3,
    durationMs: 42,
    changedHubEventIds: [],
    phases: { observeMs: 1, planMs: 1, executeMs: 1 },
    ...overrides,
  };
}

async function run(statuses: Parameters<ReturnType<typeof statusReporter>>[0][], clock = new ManualClock()): Promise<StatusEvent[]> {
  const bus = new MemoryStatusBus();
  const got: StatusEvent[] = [];
  bus.subscribe('t', (e) => got.push(e));
  const reporter = statusReporter(bus, store, { clock, progressEveryMs: 250 });
  for (const s of statuses) reporter(s);
  await reporter.flush();
  return got;
}

describe('statusReporter', () => {
  it('adds the integration, counts writes by kind and summarises the report', async () => {
    const got = await run([
      { type: 'started', tenantId: 't', calendarId: 'known', at: 1 },
      { type: 'in_progress', tenantId: 't', calendarId: 'known', phase: 'execute', done: 1, total: 4, operation: 'create in hub "A" (from x)' },
      { type: 'in_progress', tenantId: 't', calendarId: 'known', phase: 'execute', done: 2, total: 4, operation: 'update in calendar "B" (y)' },
      { type: 'in_progress', tenantId: 't', calendarId: 'known', phase: 'execute', done: 3, total: 4, operation: 'restore in hub "C" (hub h)' },
      { type: 'in_progress', tenantId: 't', calendarId: 'known', phase: 'execute', done: 4, total: 4, operation: 'delete in calendar "D" (z)' },
      { type: 'in_progress', tenantId: 't', calendarId: 'known', phase: 'done', done: 1, total: 1 },
      { type: 'completed', tenantId: 't', calendarId: 'known', report: report() },
    ]);
    expect(got.map((e) => e.type)).toEqual(['started', 'in_progress', 'in_progress', 'in_progress', 'completed', 'conflict.recorded', 'conflict.resolved']);
    expect(got.every((e) => (e as { integrationId?: string }).integrationId === 'int-1')).toBe(true);
    // Steps 2 and 3 fell inside the 250 ms window; the last step and the phase change always go out.
    expect(got[2]).toMatchObject({ phase: 'execute', counts: { processed: 4, total: 4, created: 1, updated: 2, deleted: 1 }, operation: 'delete in calendar "D" (z)' });
    expect(got[3]).toMatchObject({ phase: 'done', counts: { processed: 4, total: 4 } });
    expect(got[4]).toMatchObject({ summary: { hub: { created: 2, updated: 1, deleted: 0 }, errors: 0, durationMs: 42 } });
    expect(got[4]).not.toHaveProperty('summary.plan');
  });

  it('passes progress through again once the window has passed, and reports failures', async () => {
    const clock = new ManualClock();
    const bus = new MemoryStatusBus();
    const got: StatusEvent[] = [];
    bus.subscribe('t', (e) => got.push(e));
    const reporter = statusReporter(bus, store, { clock });
    reporter({ type: 'in_progress', tenantId: 't', calendarId: 'gone', phase: 'execute', done: 1, total: 9 });
    reporter({ type: 'in_progress', tenantId: 't', calendarId: 'gone', phase: 'execute', done: 2, total: 9 });
    clock.advance(300);
    reporter({ type: 'in_progress', tenantId: 't', calendarId: 'gone', phase: 'execute', done: 3, total: 9 });
    reporter({ type: 'failed', tenantId: 't', calendarId: 'gone', error: 'boom', code: 'PROVIDER_UNAVAILABLE' });
    await reporter.flush();
    expect(got.map((e) => [e.type, (e as { counts?: { processed: number } }).counts?.processed])).toEqual([
      ['in_progress', 1],
      ['in_progress', 3],
      ['failed', undefined],
    ]);
    expect(got[2]).toEqual({ type: 'failed', tenantId: 't', calendarId: 'gone', at: clock.now(), error: 'boom', code: 'PROVIDER_UNAVAILABLE' });
  });

  it('logs and goes on when the bus cannot publish', async () => {
    const warnings: string[] = [];
    const broken = { backend: 'memory', publish: async () => Promise.reject(new Error('redis down')), subscribe: () => () => undefined, close: async () => undefined } as const;
    const reporter = statusReporter(broken, store, { logger: { warn: (_o: unknown, msg: string) => warnings.push(msg) } as never });
    reporter({ type: 'started', tenantId: 't', calendarId: 'known', at: 1 });
    reporter({ type: 'failed', tenantId: 't', calendarId: 'known', error: 'x' });
    await reporter.flush();
    expect(warnings).toEqual(['could not publish a status event', 'could not publish a status event']);
  });
});
