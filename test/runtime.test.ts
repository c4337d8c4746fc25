import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime, openRuntimeQueue, resolveTenant, type Runtime } from '../src/runtime.js';
import { ManualClock } from '../src/util/clock.js';

let dir: string;
let runtime: Runtime | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'calsync-runtime-'));
});
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('runtime', () => {
  it('opens SQLite in the data dir with the default tenant and the embedded queue on the same database', async () => {
    const clock = new ManualClock();
    runtime = await openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir }), clock);
    expect(runtime.store.dialect).toBe('sqlite');
    expect(runtime.clock).toBe(clock);
    expect((await runtime.store.tenants.list()).map((t) => t.name)).toEqual(['default']);
    const queue = await openRuntimeQueue(runtime);
    try {
      expect(queue.backend).toBe('sql');
      const tenant = await resolveTenant(runtime.store, undefined);
      const { id } = await queue.enqueue({ type: 'x', tenantId: tenant.id, payload: {}, priority: 'high' });
      expect((await queue.get(id))?.createdAt).toBe(new Date(clock.now()).toISOString());
    } finally {
      await queue.close();
    }
  });

  it('keeps data between runs', async () => {
    runtime = await openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir }));
    await runtime.store.tenants.create('bloom');
    await runtime.close();
    runtime = await openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir }));
    expect((await runtime.store.tenants.list()).map((t) => t.name).sort()).toEqual(['bloom', 'default']);
  });

  it('resolves a tenant by name or id, and refuses an unknown one with the command to create it', async () => {
    runtime = await openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir }));
    const bloom = await runtime.store.tenants.create('bloom');
    expect((await resolveTenant(runtime.store, 'bloom')).id).toBe(bloom.id);
    expect((await resolveTenant(runtime.store, bloom.id)).name).toBe('bloom');
    expect((await resolveTenant(runtime.store, undefined)).name).toBe('default');
    await expect(resolveTenant(runtime.store, 'nobody')).rejects.toMatchObject({ code: 'VALIDATION', message: 'no tenant named "nobody" (create it with: calsync tenant create nobody)' });
  });

  it('refuses a secret key that does not match the database', async () => {
    runtime = await openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir, CALSYNC_SECRET_KEY: 'a'.repeat(64) }));
    await runtime.close();
    runtime = undefined;
    await expect(openRuntime(loadConfig({ CALSYNC_DATA_DIR: dir, CALSYNC_SECRET_KEY: 'b'.repeat(64) }))).rejects.toMatchObject({ code: 'CONFIG' });
  });
});
