/**
 * The CLI in-process against the memory provider (registered through `cliHooks.configureProviders`):
 * tenants and API keys with `--tenant` scoping, hub-event validation, sync with propagation between two
 * integrations, item errors → exit code 1, dead letters, usage and configuration errors.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../src/cli/commands/sync.js';
import { cliHooks } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config.js';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import type { Job } from '../../src/queue/types.js';
import { openRuntime, openRuntimeQueue, type Runtime } from '../../src/runtime.js';
import type { ApiKeyRecord, AuditEntry, CalendarRecord, ConflictRecord, Integration, Tenant } from '../../src/store/types.js';
import type { HubEvent } from '../../src/model/event.js';
import { makeEvent } from '../support/events.js';
import { cliJson, cliOk, runCli, useDataDir, type DataDir } from './helpers.js';

let data: DataDir;
let server: MemoryCalendarServer;

beforeEach(() => {
  data = useDataDir();
  server = new MemoryCalendarServer({ seed: 3 });
  cliHooks.configureProviders = (registry) => {
    registry.register('memory', (integration) => new MemoryProvider(server, { account: String(integration.config.account) }));
  };
});

afterEach(() => {
  delete cliHooks.configureProviders;
  data.restore();
});

async function withRuntime<T>(fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig());
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** A memory integration named `name` with one calendar on account `name` of the memory server. */
async function memoryIntegration(name: string): Promise<{ integration: Integration; calendar: CalendarRecord; remoteId: string }> {
  const remote = server.addCalendar({ account: name, name: `${name} calendar` });
  return withRuntime(async ({ store }) => {
    const tenant = await store.tenants.ensureDefault();
    const integration = await store.integrations.create(tenant.id, { provider: 'memory', name, config: { account: name }, credentials: {} });
    const calendar = await store.calendars.upsert(tenant.id, integration.id, { remoteId: remote.remoteId, name: remote.name, enabled: true });
    return { integration, calendar, remoteId: remote.remoteId };
  });
}

describe('usage and configuration', () => {
  it('prints help and the version with exit code 0', async () => {
    const help = await runCli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('connect');
    expect(help.stdout).toContain('dead-letters');
    const version = await runCli('--version');
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('answers a usage error with exit code 2 instead of exiting the process', async () => {
    const missing = await runCli('connect', 'caldav', '--username', 'u');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--url <url>' not specified");
    const unknown = await runCli('bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'bogus'");
  });

  it('reports a bad environment variable as a configuration error with a hint', async () => {
    process.env.PORT = 'not-a-port';
    const result = await runCli('events');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid PORT');
    expect(result.stderr).toContain('calsync doctor');
  });
});

describe('tenants and API keys', () => {
  it('creates tenants and keys, scopes commands with --tenant, and revokes keys', async () => {
    const created = await cliJson<Tenant>('tenant', 'create', 'bloom', '--json');
    expect(created.name).toBe('bloom');
    expect(await cliOk('tenant', 'create', 'petal')).toMatch(/created tenant petal .*\nnext: calsync --tenant "petal" user add "you@example.com" --password-stdin\n {2}or: calsync apikey create "petal"/);
    const dup = await runCli('tenant', 'create', 'bloom');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain('tenant "bloom" exists already');
    expect((await cliJson<Tenant[]>('tenant', 'list', '--json')).map((t) => t.name).sort()).toEqual(['bloom', 'default', 'petal']);
    expect(await cliOk('tenant', 'list')).toMatch(/bloom/);

    const key = await cliJson<ApiKeyRecord & { key: string }>('apikey', 'create', 'bloom', '--label', 'dashboard', '--json');
    expect(key.label).toBe('dashboard');
    expect(key.key.startsWith(key.prefix)).toBe(true);
    expect(await cliOk('apikey', 'create', 'bloom')).toContain('Store it now');
    expect((await runCli('apikey', 'create', 'nobody')).code).toBe(2);

    const bloomKeys = await cliJson<ApiKeyRecord[]>('--tenant', 'bloom', 'apikey', 'list', '--json');
    expect(bloomKeys.map((k) => k.label).sort()).toEqual(['api', 'dashboard']);
    expect(JSON.stringify(bloomKeys)).not.toContain(key.key);
    expect(await cliJson<ApiKeyRecord[]>('apikey', 'list', '--json')).toEqual([]);
    expect(await cliOk('--tenant', 'bloom', 'apikey', 'list')).toContain(`${key.prefix}…`);

    // A key of tenant bloom cannot be revoked from the default tenant.
    const wrongTenant = await runCli('apikey', 'revoke', key.id, '--yes');
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stderr).toContain(`no API key ${key.id}`);
    expect(await cliOk('--tenant', 'bloom', 'apikey', 'revoke', key.id, '--yes')).toBe(`revoked ${key.id}\n`);
    expect((await cliJson<ApiKeyRecord[]>('--tenant', 'bloom', 'apikey', 'list', '--json')).map((k) => k.label)).toEqual(['api']);

    // Events are scoped the same way.
    const added = await cliJson<HubEvent>('--tenant', 'bloom', 'event', 'add', '--title', 'Florist meeting', '--start', '2027-03-01', '--json');
    expect(await cliJson<HubEvent[]>('events', '--json')).toEqual([]);
    expect((await cliJson<HubEvent[]>('--tenant', 'bloom', 'events', '--json')).map((e) => e.id)).toEqual([added.id]);
    expect((await cliJson<HubEvent[]>('events', '--tenant', 'bloom', '--json')).map((e) => e.id)).toEqual([added.id]);
    const other = await runCli('event', 'update', added.id, '--title', 'hijacked');
    expect(other.code).toBe(1);
    const unknownTenant = await runCli('--tenant', 'nobody', 'events');
    expect(unknownTenant.code).toBe(2);
    expect(unknownTenant.stderr).toContain('no tenant named "nobody"');
  });
});

describe('hub events', () => {
  it('lists, adds, updates and refuses invalid input with a clear message', async () => {
    expect(await cliOk('events')).toContain('no events yet');
    const added = await cliOk('event', 'add', '--title', 'Menu tasting', '--start', '2027-05-01T18:00', '--end', '2027-05-01T19:30', '--tz', 'Europe/London');
    expect(added).toMatch(/added \S+ "Menu tasting" \(tasting, low priority\)/);
    const list = await cliOk('events');
    expect(list).toMatch(/Menu tasting\s+.*tasting\s+low\s+1/);

    const [event] = await cliJson<HubEvent[]>('events', '--json');
    const updated = await cliJson<HubEvent>('event', 'update', event?.id ?? '', '--location', 'The Kitchen', '--emergency', '--json');
    expect(updated.event.location).toBe('The Kitchen');
    expect(updated.event.title).toBe('Menu tasting');
    expect(updated.event.wedding.emergency).toBe(true);
    expect(updated.version).toBe(2);

    const badDate = await runCli('event', 'add', '--title', 'x', '--start', '2027-02-30');
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('start');
    const badZone = await runCli('event', 'add', '--title', 'x', '--start', '2027-02-03T10:00', '--tz', 'Mars/Olympus', '--json');
    expect(badZone.code).toBe(2);
    expect(JSON.parse(badZone.stderr)).toEqual({ error: { code: 'VALIDATION', message: 'unknown time zone "Mars/Olympus" for start' } });
    const backwards = await runCli('event', 'add', '--title', 'x', '--start', '2027-02-03T10:00', '--end', '2027-02-03T09:00');
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('end must be after start');
    const noStart = await runCli('event', 'add', '--title', 'x');
    expect(noStart.code).toBe(2);
    expect(noStart.stderr).toContain('start');
    expect(await cliJson<HubEvent[]>('events', '--json')).toHaveLength(1);
  });

  it('rolls an event back to a version from its history', async () => {
    const added = await cliJson<HubEvent>('event', 'add', '--title', 'Cake tasting', '--start', '2027-05-01T18:00', '--json');
    await cliOk('event', 'update', added.id, '--title', 'Cake tasting (moved)', '--start', '2027-05-02T18:00');
    const history = await cliJson<AuditEntry[]>('event', 'history', added.id, '--json');
    const created = history.find((h) => h.action === 'create');
    expect(created?.after?.title).toBe('Cake tasting');
    const restored = await cliJson<HubEvent>('event', 'restore', added.id, '--audit', created?.id ?? '', '--json');
    expect(restored.event).toMatchObject({ title: 'Cake tasting', start: { kind: 'floating', local: '2027-05-01T18:00:00' } });
    expect(restored.version).toBe(3);
    const after = await cliJson<AuditEntry[]>('event', 'history', added.id, '--json');
    expect(after.map((h) => [h.action, h.source])).toContainEqual(['restore', 'restore']);
  });
});

describe('sync with the memory provider', () => {
  it('pulls a new event from one integration and pushes it to the other in the same run', async () => {
    const outlook = await memoryIntegration('outlook');
    const phone = await memoryIntegration('phone');
    server.otherClient(outlook.remoteId).create(makeEvent({ title: 'Venue visit at Hever', uid: 'visit-1@test' }));

    const summary = await cliJson<SyncSummary>('sync', 'outlook', '--json');
    expect(summary.totals.hub.created).toBe(1);
    expect(summary.calendars.map((r) => r.calendarId)).toEqual([outlook.calendar.id]);
    expect(summary.propagatedTo.map((r) => r.calendarId)).toEqual([phone.calendar.id]);
    expect(summary.propagatedTo[0]?.remote.created).toBe(1);
    expect(server.items(phone.remoteId).map((i) => i.event.title)).toEqual(['Venue visit at Hever']);

    const human = await cliOk('sync', 'phone');
    expect(human).toMatch(/^synced phone: hub \+0 ~0 -0, calendars \+0 ~0 -0, 0 conflict\(s\), 0 error\(s\)/m);
  });

  it('finding 4: a target dying mid-propagation does not stop the others, is named, and a re-run finishes it', async () => {
    const source = await memoryIntegration('xandikos');
    const dying = await memoryIntegration('radicale');
    const up = await memoryIntegration('cyrus');
    // The same order as the finding: the dying target comes before the one that is up.
    for (let i = 0; i < 40; i += 1) server.otherClient(source.remoteId).create(makeEvent({ title: `Booking ${i}`, uid: `booking-${i}@test` }));
    server.faults.failNext('create', 'PROVIDER_CIRCUIT_OPEN', { calendarId: dying.remoteId, after: 8, count: 1_000 });

    const first = await runCli('sync', 'xandikos');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/→ radicale calendar: failed \(PROVIDER_CIRCUIT_OPEN: .*\); the next sync finishes it/);
    expect(first.stdout).toMatch(/→ cyrus calendar: \+40 ~0 -0/);
    expect(first.stdout).toMatch(/^synced xandikos: hub \+40 ~0 -0/m);
    expect(server.items(up.remoteId)).toHaveLength(40);
    expect(server.items(dying.remoteId)).toHaveLength(8);

    // The server is back: a re-run of the same command finishes the propagation (the source is unchanged).
    server.faults.clear();
    const again = await cliJson<SyncSummary>('sync', 'xandikos', '--json');
    expect(again.calendars[0]?.listing).toBe('unchanged');
    expect(again.targets.map((t) => [t.calendarId, t.error])).toEqual([[dying.calendar.id, undefined]]);
    expect(again.totals.errors).toBe(0);
    const titles = (remoteId: string): string[] => server.items(remoteId).map((i) => i.event.title).sort();
    expect(titles(dying.remoteId)).toHaveLength(40);
    expect(titles(dying.remoteId)).toEqual(titles(up.remoteId));
    expect(new Set(titles(dying.remoteId)).size).toBe(40);

    // Converged: nothing left to propagate.
    const quiet = await cliJson<SyncSummary>('sync', 'xandikos', '--json');
    expect(quiet.targets).toEqual([]);
  });

  it('refuses to sync an integration with no enabled calendar, saying how to enable one', async () => {
    await memoryIntegration('outlook');
    await cliOk('calendars', 'outlook', '--disable', 'outlook calendar');
    const result = await runCli('sync', 'outlook');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('outlook has no enabled calendars; enable one with: calsync calendars "outlook" --enable <id>');
  });

  it('exits 1 when items fail, and names them', async () => {
    const outlook = await memoryIntegration('outlook');
    await cliOk('event', 'add', '--title', 'Final numbers due', '--start', '2027-04-01');
    server.faults.failNext('create', 'PROVIDER_UNAVAILABLE', { calendarId: outlook.remoteId });
    const failed = await runCli('sync', 'outlook');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/error: /);
    expect(failed.stdout).toMatch(/1 error\(s\)/);
    const retried = await cliJson<SyncSummary>('sync', 'outlook', '--json');
    expect(retried.totals).toMatchObject({ errors: 0, remote: { created: 1 } });
  });

  it('refuses a sync the mass-delete guard stops, with the hint, and --force lets it through', async () => {
    const outlook = await memoryIntegration('outlook');
    for (let i = 0; i < 10; i += 1) server.otherClient(outlook.remoteId).create(makeEvent({ title: `Meeting ${i}`, uid: `m-${i}@test` }));
    await cliOk('sync', 'outlook');
    const doomed = server.items(outlook.remoteId).slice(0, 6);
    for (const item of doomed) server.otherClient(outlook.remoteId).delete(item.remoteId);

    const refused = await runCli('sync', 'outlook');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Nothing was deleted');
    expect(refused.stderr).toContain('--force');
    expect(await cliJson<HubEvent[]>('events', '--json')).toHaveLength(10);
    const [flagged] = await cliJson<Integration[]>('integrations', '--json');
    expect(flagged?.status).toBe('flagged');
    expect(await cliOk('integrations')).toMatch(/flagged/);

    const forced = await cliJson<SyncSummary>('sync', 'outlook', '--force', '--json');
    expect(forced.totals.hub.deleted).toBe(6);
    expect(await cliJson<HubEvent[]>('events', '--json')).toHaveLength(4);
    const [back] = await cliJson<Integration[]>('integrations', '--json');
    expect(back).toMatchObject({ status: 'active' });
    expect(back?.statusReason).toBeUndefined();
  });
});

describe('dead letters', () => {
  async function deadJob(tenantName?: string): Promise<string> {
    return withRuntime(async (runtime) => {
      const queue = await openRuntimeQueue(runtime);
      try {
        const tenant = tenantName ? await runtime.store.tenants.create(tenantName) : await runtime.store.tenants.ensureDefault();
        const { id } = await queue.enqueue({ type: 'test.fail', tenantId: tenant.id, payload: {}, priority: 'high', attempts: 1 });
        const worker = queue.work({ 'test.fail': async () => Promise.reject(new Error('calendar exploded')) });
        await queue.drain(20_000);
        await worker.stop(5_000);
        return id;
      } finally {
        await queue.close();
      }
    });
  }

  it('lists, replays and discards dead jobs of the tenant', async () => {
    expect(await cliOk('dead-letters')).toContain('no dead letters');
    const first = await deadJob();
    const second = await deadJob();
    const elsewhere = await deadJob('other');

    const dead = await cliJson<Job[]>('dead-letters', '--json');
    expect(dead.map((j) => j.id).sort()).toEqual([first, second].sort());
    expect(dead[0]).toMatchObject({ type: 'test.fail', state: 'dead', lastError: 'calendar exploded' });
    expect(await cliOk('dead-letters')).toMatch(/test\.fail\s+1\s+calendar exploded/);

    const doctor = await runCli('doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/✗ dead letters: 3 job\(s\) failed every attempt\n {4}→ calsync dead-letters/);

    expect(await cliOk('replay', first)).toContain(`replaying ${first}`);
    expect(await cliOk('discard', second, '--yes')).toBe(`discarded ${second}\n`);
    expect(await cliJson<Job[]>('dead-letters', '--json')).toEqual([]);
    expect((await runCli('replay', second)).code).toBe(1);
    const foreign = await runCli('discard', elsewhere, '--yes');
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`no dead job ${elsewhere}`);
    expect((await cliJson<Job[]>('--tenant', 'other', 'dead-letters', '--json')).map((j) => j.id)).toEqual([elsewhere]);
    await withRuntime(async (runtime) => {
      const queue = await openRuntimeQueue(runtime);
      expect((await queue.get(first))?.state).toMatch(/waiting|delayed/);
      expect(await queue.get(second)).toBeUndefined();
      await queue.close();
    });
  });
});

describe('conflicts with the memory provider', () => {
  async function conflictOnTitle(): Promise<{ conflict: ConflictRecord; remoteId: string; eventId: string }> {
    const outlook = await memoryIntegration('outlook');
    const added = await cliJson<HubEvent>('event', 'add', '--title', 'Venue visit', '--start', '2027-04-01T10:00', '--end', '2027-04-01T11:00', '--tz', 'Europe/London', '--location', 'Barn', '--json');
    await cliOk('sync', 'outlook');
    const [item] = server.items(outlook.remoteId);
    server.otherClient(outlook.remoteId).update(item!.remoteId, (e) => ({ ...e, title: 'Venue visit (phone)', location: 'Big Barn' }));
    await cliOk('event', 'update', added.id, '--title', 'Venue visit (hub)', '--description', 'bring plans');
    const synced = await cliJson<SyncSummary>('sync', 'outlook', '--json');
    expect(synced.totals.conflicts).toBe(1);
    const [conflict] = await cliJson<ConflictRecord[]>('conflicts', '--json');
    return { conflict: conflict!, remoteId: outlook.remoteId, eventId: added.id };
  }

  it('resolves field by field; both sides get the choice', async () => {
    const { conflict, remoteId, eventId } = await conflictOnTitle();
    expect(conflict.fields).toEqual(['title']);
    expect(await cliOk('conflicts')).toMatch(/field\s+title\s+Venue visit \(hub\)/);

    const badField = await runCli('resolve', conflict.id, '--field', 'title=mine');
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('--field takes FIELD=wedsync|provider, got "title=mine"');
    const noChoice = await runCli('resolve', conflict.id);
    expect(noChoice.code).toBe(2);
    const unknown = await runCli('resolve', 'no-such-conflict', '--take', 'wedsync');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no conflict no-such-conflict');

    expect(await cliOk('resolve', conflict.id, '--field', 'title=wedsync')).toBe(`resolved ${conflict.id} (resolved); both sides now agree\n`);
    const [event] = await cliJson<HubEvent[]>('events', '--json');
    expect(event).toMatchObject({ id: eventId, event: { title: 'Venue visit (hub)', location: 'Big Barn', description: 'bring plans' } });
    expect(server.items(remoteId).map((i) => [i.event.title, i.event.location])).toEqual([['Venue visit (hub)', 'Big Barn']]);
    expect(await cliJson<ConflictRecord[]>('conflicts', '--json')).toEqual([]);
    expect((await cliJson<ConflictRecord[]>('conflicts', '--all', '--json')).map((c) => c.status)).toEqual(['resolved']);
  });

  it('drops the conflicts of a disconnected integration; the hub keeps its version', async () => {
    const { conflict, eventId } = await conflictOnTitle();
    await cliOk('disconnect', 'outlook', '--yes');
    expect(await cliJson<ConflictRecord[]>('conflicts', '--all', '--json')).toEqual([]);
    const result = await runCli('resolve', conflict.id, '--take', 'provider');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no conflict ${conflict.id}`);
    expect((await cliJson<HubEvent[]>('events', '--json')).map((e) => [e.id, e.event.title])).toEqual([[eventId, 'Venue visit (hub)']]);
  });
});

describe('doctor failures', () => {
  it('names a bad configuration and stops there', async () => {
    process.env.REDIS_URL = 'http://not-redis';
    const result = await runCli('doctor', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual([{ name: 'configuration', ok: false, detail: expect.stringContaining('REDIS_URL'), fix: expect.stringContaining('README') }]);
  });

  it('names a store it cannot open', async () => {
    const file = join(data.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    process.env.CALSYNC_DATA_DIR = file;
    const result = await runCli('doctor');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✓ configuration/);
    expect(result.stdout).toMatch(/✗ store: .*\n {4}→ check that .*not-a-dir is writable/);
  });

  it('flags integrations that are not active, with what to do', async () => {
    const flagged = await memoryIntegration('outlook');
    const reauth = await memoryIntegration('phone');
    await memoryIntegration('ok');
    await withRuntime(async ({ store }) => {
      await store.integrations.update(flagged.integration.tenantId, flagged.integration.id, { status: 'flagged', statusReason: 'refusing to delete 9 of 10' });
      await store.integrations.update(reauth.integration.tenantId, reauth.integration.id, { status: 'needs_reauth', statusReason: 'token revoked' });
    });
    const result = await runCli('doctor');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('✗ integration default/outlook: flagged: refusing to delete 9 of 10\n    → check the calendar, then run calsync sync --full');
    expect(result.stdout).toContain('✗ integration default/phone: needs_reauth: token revoked\n    → reconnect it with fresh credentials');
    expect(result.stdout).toContain('✓ integration default/ok: reachable, 1 calendar(s)');
  });
});

describe('progress on a terminal', () => {
  it('draws a progress bar on stderr during a sync when stderr is a TTY, and keeps --json clean', async () => {
    const outlook = await memoryIntegration('outlook');
    for (let i = 0; i < 3; i += 1) server.otherClient(outlook.remoteId).create(makeEvent({ title: `Meeting ${i}`, uid: `p-${i}@test` }));
    const wasTty = process.stderr.isTTY;
    process.stderr.isTTY = true;
    try {
      const result = await runCli('sync', 'outlook');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/\d+\/\d+/);
      expect(result.stdout).toMatch(/^synced outlook: hub \+3/m);
      const json = await runCli('sync', 'outlook', '--full', '--json');
      expect(json.stderr).toBe('');
    } finally {
      process.stderr.isTTY = wasTty;
    }
  });
});
