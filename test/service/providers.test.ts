import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { ServerPolicies } from '../../src/net/resilience.js';
import { CalDavProvider } from '../../src/providers/caldav/caldav-provider.js';
import { MemoryProvider } from '../../src/providers/memory/index.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { makeService, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
beforeEach(async () => {
  h = await makeService();
});
afterEach(async () => {
  await h.close();
});

describe('ProviderRegistry', () => {
  it('gives CalDAV providers the process politeness: a rate limit per account on a host, shared breakers; close closes it', async () => {
    const keys: string[] = [];
    const closed = vi.fn();
    const politeness = {
      backend: 'process' as const,
      rateLimiter: {
        take: async (key: string) => {
          keys.push(key);
          throw new CalsyncError('PROVIDER_UNAVAILABLE', 'stop here');
        },
      },
      policies: new ServerPolicies({ maxAttempts: 1 }),
      close: async () => closed(),
    };
    const registry = new ProviderRegistry({ store: h.store, clock: h.clock, allowPrivateUrls: true, politeness });
    const connect = async (name: string, username: string) =>
      registry.forIntegration(await h.store.integrations.create(h.tenantId, { provider: 'caldav', name, config: { url: 'http://127.0.0.1:9/dav/', username }, credentials: { password: 'x' } }));
    for (const [name, user] of [['a', 'ann@example.com'], ['b', 'ann@example.com'], ['c', 'bob']] as const) await expect((await connect(name, user)).listCalendars()).rejects.toThrow();
    expect(keys).toEqual(['127.0.0.1:9/ann%40example.com', '127.0.0.1:9/ann%40example.com', '127.0.0.1:9/bob']);
    await registry.close();
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('creates one provider per integration, reuses it, and gives the factory the decrypted credentials', async () => {
    const registry = new ProviderRegistry({ store: h.store, clock: h.clock, allowPrivateUrls: false });
    const factory = vi.fn((_integration, credentials: Record<string, unknown>) => {
      expect(credentials).toEqual({ token: 's3cret' });
      return new MemoryProvider(h.server);
    });
    registry.register('memory', factory);
    const a = await h.store.integrations.create(h.tenantId, { provider: 'memory', name: 'a', config: {}, credentials: { token: 's3cret' } });
    const b = await h.store.integrations.create(h.tenantId, { provider: 'memory', name: 'b', config: {}, credentials: { token: 's3cret' } });
    const [first, again] = await Promise.all([registry.forIntegration(a), registry.forIntegration(a)]);
    expect(first).toBe(again);
    expect(await registry.forIntegration(b)).not.toBe(first);
    expect(factory).toHaveBeenCalledTimes(2);
  });

  it('forgets (and closes) a provider so the next call builds a fresh one; close closes them all', async () => {
    const registry = new ProviderRegistry({ store: h.store, clock: h.clock, allowPrivateUrls: false });
    const closes = vi.fn();
    registry.register('memory', () => Object.assign(new MemoryProvider(h.server), { close: async () => closes() }));
    const a = await h.store.integrations.create(h.tenantId, { provider: 'memory', name: 'a', config: {}, credentials: {} });
    const b = await h.store.integrations.create(h.tenantId, { provider: 'memory', name: 'b', config: {}, credentials: {} });
    const first = await registry.forIntegration(a);
    await registry.forget(a.id);
    expect(closes).toHaveBeenCalledTimes(1);
    expect(await registry.forIntegration(a)).not.toBe(first);
    await registry.forget('never-created');
    await registry.forIntegration(b);
    await registry.close();
    expect(closes).toHaveBeenCalledTimes(3);
  });

  it('refuses an unknown kind, and does not cache a factory failure', async () => {
    const registry = new ProviderRegistry({ store: h.store, clock: h.clock, allowPrivateUrls: false });
    const integration = await h.store.integrations.create(h.tenantId, { provider: 'memory', name: 'a', config: {}, credentials: {} });
    await expect(registry.forIntegration(integration)).rejects.toMatchObject({ code: 'CONFIG', message: 'no provider for integrations of kind "memory"' });
    let fail = true;
    registry.register('memory', () => {
      if (fail) throw new Error('boom');
      return new MemoryProvider(h.server);
    });
    await expect(registry.forIntegration(integration)).rejects.toThrow('boom');
    fail = false;
    await expect(registry.forIntegration(integration)).resolves.toBeInstanceOf(MemoryProvider);
  });

  it('builds CalDAV and iCloud providers from the stored config, and names what is missing', async () => {
    const registry = new ProviderRegistry({ store: h.store, clock: h.clock, allowPrivateUrls: false });
    const caldav = await h.store.integrations.create(h.tenantId, { provider: 'caldav', name: 'dav', config: { url: 'https://dav.example.test/', username: 'ann' }, credentials: { password: 'pw' } });
    expect(await registry.forIntegration(caldav)).toBeInstanceOf(CalDavProvider);
    const icloud = await h.store.integrations.create(h.tenantId, { provider: 'icloud', name: 'icloud', config: { username: 'ann@icloud.com' }, credentials: { password: 'pw' } });
    expect(await registry.forIntegration(icloud)).toBeInstanceOf(CalDavProvider);
    const noPassword = await h.store.integrations.create(h.tenantId, { provider: 'caldav', name: 'nopw', config: { url: 'https://dav.example.test/', username: 'ann' }, credentials: {} });
    await expect(registry.forIntegration(noPassword)).rejects.toMatchObject({ code: 'CONFIG', message: 'integration "nopw" has no password; reconnect it' });
    const noUrl = await h.store.integrations.create(h.tenantId, { provider: 'caldav', name: 'nourl', config: { username: 'ann' }, credentials: { password: 'pw' } });
    await expect(registry.forIntegration(noUrl)).rejects.toMatchObject({ code: 'CONFIG', message: 'integration "nourl" has no server URL; reconnect it' });
    await registry.close();
  });
});
