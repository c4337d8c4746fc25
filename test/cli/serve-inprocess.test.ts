/**
 * `serve` and `worker` in this process (the child-process suite covers real signals): the signal
 * handlers are captured instead of installed and process.exit is stubbed, so the shutdown path runs
 * and is observed. The worker runs a sync queued for a memory integration.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cliHooks } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config.js';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import { openRuntime, openRuntimeQueue } from '../../src/runtime.js';
import { enqueueCalendarSync } from '../../src/service/sync-jobs.js';
import { makeEvent } from '../support/events.js';
import { freePort } from '../support/radicale.js';
import { runCli, useDataDir, type DataDir } from './helpers.js';

let data: DataDir;
let handlers: Map<string, () => void>;
let exited: Promise<number | undefined>;

beforeEach(() => {
  data = useDataDir();
  process.env.LOG_LEVEL = 'silent';
  handlers = new Map();
  const realOnce = process.once.bind(process);
  vi.spyOn(process, 'once').mockImplementation(((event: string, listener: () => void) => {
    if (event === 'SIGTERM' || event === 'SIGINT') handlers.set(event, listener);
    else realOnce(event, listener);
    return process;
  }) as typeof process.once);
  exited = new Promise((resolve) => {
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      resolve(code);
    }) as typeof process.exit);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  delete cliHooks.configureProviders;
  data.restore();
});

async function exitWithin(ms: number): Promise<number | undefined> {
  return Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within ${ms} ms`)), ms))]);
}

describe('serve in-process', () => {
  it('listens, answers, and shuts down on SIGTERM with exit code 0', async () => {
    const port = await freePort();
    const started = await runCli('serve', '--port', String(port), '--host', '127.0.0.1');
    expect(started.code).toBe(0);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect([...handlers.keys()].sort()).toEqual(['SIGINT', 'SIGTERM']);
    handlers.get('SIGTERM')?.();
    handlers.get('SIGINT')?.(); // a second signal while stopping is ignored
    expect(await exitWithin(20_000)).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('closes everything and reports the error when the port is taken', async () => {
    const port = await freePort();
    expect((await runCli('serve', '--port', String(port))).code).toBe(0);
    const second = await runCli('serve', '--port', String(port));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('EADDRINUSE');
    handlers.get('SIGTERM')?.();
    expect(await exitWithin(20_000)).toBe(0);
  });
});

describe('worker in-process', () => {
  it('refuses a concurrency that is not a positive whole number', async () => {
    for (const bad of ['0', 'two', '1.5']) {
      const result = await runCli('worker', '--concurrency', bad);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--concurrency must be a whole number of at least 1, got "${bad}"`);
    }
    expect(handlers.size).toBe(0);
  });

  it('runs a queued sync and stops on SIGINT with exit code 0', async () => {
    const server = new MemoryCalendarServer({ seed: 5 });
    cliHooks.configureProviders = (registry) => {
      registry.register('memory', () => new MemoryProvider(server));
    };
    const remote = server.addCalendar({ name: 'Outlook' });
    server.otherClient(remote.remoteId).create(makeEvent({ title: 'Florist meeting' }));
    const runtime = await openRuntime(loadConfig());
    try {
      const tenant = await runtime.store.tenants.ensureDefault();
      const integration = await runtime.store.integrations.create(tenant.id, { provider: 'memory', name: 'outlook', config: {}, credentials: {} });
      const calendar = await runtime.store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true });
      const queue = await openRuntimeQueue(runtime);
      await enqueueCalendarSync(queue, tenant.id, calendar.id, { priority: 'high', reason: 'test' });
      await queue.close();

      expect((await runCli('worker', '--concurrency', '1', '--no-poll')).code).toBe(0);
      await vi.waitFor(async () => expect((await runtime.store.events.list(tenant.id)).map((e) => e.event.title)).toEqual(['Florist meeting']), { timeout: 20_000, interval: 100 });
      handlers.get('SIGINT')?.();
      expect(await exitWithin(20_000)).toBe(0);
    } finally {
      await runtime.close();
    }
  });
});
