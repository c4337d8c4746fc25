import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Job, JobContext } from '../../src/queue/types.js';
import { openRuntime } from '../../src/runtime.js';
import { createMetrics } from '../../src/server/metrics.js';
import type { StatusEvent } from '../../src/service/status/events.js';
import { openLiveStatus } from '../../src/service/status/live.js';
import { correlated } from '../../src/service/workers.js';
import { correlationFields } from '../../src/util/correlation.js';

describe('openLiveStatus', () => {
  it("publishes a process's sync statuses on the store bus and feeds the metrics", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calsync-live-'));
    const runtime = await openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir }));
    const metrics = createMetrics({ processMetrics: false });
    const live = await openLiveStatus(runtime, { metrics });
    expect(live.bus.backend).toBe('store');
    const got: StatusEvent[] = [];
    live.bus.subscribe('t1', (e) => got.push(e));
    live.onStatus({ type: 'started', tenantId: 't1', calendarId: 'c1', at: 1 });
    live.onStatus({ type: 'failed', tenantId: 't1', calendarId: 'c1', error: 'x', code: 'PROVIDER_AUTH' });
    await live.close();
    expect(got.map((e) => e.type)).toEqual(['started', 'failed']);
    expect(await metrics.registry.metrics()).toContain('code="PROVIDER_AUTH"} 1');
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('correlated job handlers', () => {
  it('runs each job under its id as correlation id and logs its end', async () => {
    const lines: [string, Record<string, unknown>][] = [];
    const logger = { info: (o: Record<string, unknown>, m: string) => lines.push([m, { ...o, ...correlationFields() }]), warn: (o: Record<string, unknown>, m: string) => lines.push([m, { ...o, ...correlationFields() }]) };
    const seen: unknown[] = [];
    const handlers = correlated(
      {
        ok: (async () => void seen.push(correlationFields())) as never,
        bad: (async () => Promise.reject(new Error('boom'))) as never,
      },
      logger as never,
    );
    const job = { tenantId: 't1' } as Job<never>;
    const ctx = (jobId: string): JobContext => ({ jobId, attempt: 1, signal: new AbortController().signal });
    await handlers.ok!(undefined as never, job, ctx('j1'));
    await expect(handlers.bad!(undefined as never, job, ctx('j2'))).rejects.toThrow('boom');
    expect(seen).toEqual([{ jobId: 'j1', jobType: 'ok', tenantId: 't1' }]);
    expect(lines.map(([m, o]) => [m, o.jobId])).toEqual([
      ['job completed', 'j1'],
      ['job failed', 'j2'],
    ]);
    expect(correlationFields()).toEqual({});
  });
});
