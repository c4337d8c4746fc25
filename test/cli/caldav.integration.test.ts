/**
 * The CLI end to end against a real Radicale: connect (URL safety, discovery), calendars, hub events,
 * dry run, push, pull of an edit made by another client, a conflict and its resolution, delete and
 * restore, propagation between two integrations in one `sync`, disconnect, and `doctor` with the server
 * up and down. One server and one data dir for the whole story, steps in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../src/cli/commands/sync.js';
import type { AuditEntry, CalendarRecord, ConflictRecord, Integration } from '../../src/store/types.js';
import type { HubEvent } from '../../src/model/event.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { cliJson, cliOk, runCli, useDataDir, type DataDir } from './helpers.js';
import { davItems, davPut, setProp, type DavItem } from './dav.js';

let radicale: DavServer;
let data: DataDir;
let studioCal: string;
let homeCal: string;

beforeAll(async () => {
  radicale = await startRadicale();
  studioCal = await mkcalendar(radicale.url, 'alice', 'weddings', 'Weddings');
  homeCal = await mkcalendar(radicale.url, 'bob', 'family', 'Family');
  data = useDataDir();
  process.env.RADICALE_PW = 'x';
});

afterAll(async () => {
  delete process.env.RADICALE_PW;
  data?.restore();
  await radicale?.stop();
});

const only = (items: DavItem[]): DavItem => {
  expect(items).toHaveLength(1);
  return items[0] as DavItem;
};

describe('calsync against Radicale', () => {
  let eventId = '';

  it('refuses a loopback server without --allow-private and saves nothing', async () => {
    const refused = await runCli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'RADICALE_PW');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/plain http|loopback/);
    expect(await cliJson<Integration[]>('integrations', '--json')).toEqual([]);
  });

  it('refuses a missing password variable', async () => {
    const result = await runCli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'NO_SUCH_VAR_FOR_CALSYNC', '--allow-private');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NO_SUCH_VAR_FOR_CALSYNC is empty or unset');
  });

  it('connects with discovery and lists the calendars', async () => {
    const human = await cliOk('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'RADICALE_PW', '--allow-private', '--name', 'Studio');
    expect(human).toMatch(/connected Studio \(.+\); 1 calendar\(s\) found/);
    expect(human).toContain('Weddings');
    const calendars = await cliJson<CalendarRecord[]>('calendars', 'Studio', '--json');
    expect(calendars.map((c) => [c.name, c.enabled, c.remoteId])).toEqual([['Weddings', true, studioCal]]);
    const duplicate = await runCli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'RADICALE_PW', '--allow-private', '--name', 'Studio');
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('exists already');
  });

  it('disables and enables a calendar by name', async () => {
    const disabled = await cliJson<CalendarRecord[]>('calendars', 'Studio', '--disable', 'Weddings', '--json');
    expect(disabled[0]?.enabled).toBe(false);
    const enabled = await cliOk('calendars', 'Studio', '--enable', 'Weddings', '--direction', 'two_way');
    expect(enabled).toMatch(/Weddings\s+yes\s+two_way/);
    const unknown = await runCli('calendars', 'Studio', '--enable', 'Nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no calendar "Nope" in Studio');
    const badDirection = await runCli('calendars', 'Studio', '--enable', 'Weddings', '--direction', 'sideways');
    expect(badDirection.code).toBe(2);
    const loneDirection = await runCli('calendars', 'Studio', '--direction', 'import_only');
    expect(loneDirection.code).toBe(2);
    expect(loneDirection.stderr).toContain('--direction goes with --enable');
    expect((await cliJson<CalendarRecord[]>('calendars', 'Studio', '--json'))[0]?.direction).toBe('two_way');
  });

  it('adds a hub event; a dry run shows the plan and writes nothing', async () => {
    const added = await cliJson<HubEvent>('event', 'add', '--title', 'Smith ceremony', '--start', '2027-06-12T14:00', '--end', '2027-06-12T15:00', '--tz', 'Europe/London', '--location', "St Mary's", '--kind', 'ceremony', '--json');
    eventId = added.id;
    expect(added.event.wedding.kind).toBe('ceremony');
    expect(added.event.start).toMatchObject({ kind: 'zoned', local: '2027-06-12T14:00:00', iana: 'Europe/London' });

    const plan = await cliJson<SyncSummary>('sync', 'Studio', '--dry-run', '--json');
    expect(plan.dryRun).toBe(true);
    expect(plan.calendars).toHaveLength(1);
    expect(plan.calendars[0]?.plan.join('\n')).toMatch(/Smith ceremony/);
    expect(plan.totals.remote.created).toBe(1);
    expect(await davItems(studioCal, 'alice')).toEqual([]);

    const human = await cliOk('sync', 'Studio', '--dry-run');
    expect(human).toContain('plan for calendar');
    expect(human).toMatch(/would sync Studio: .*calendars \+1/);
    expect(await davItems(studioCal, 'alice')).toEqual([]);
  });

  it('pushes the event to Radicale', async () => {
    const summary = await cliJson<SyncSummary>('sync', 'Studio', '--json');
    expect(summary.dryRun).toBe(false);
    expect(summary.totals.remote.created).toBe(1);
    expect(summary.totals.errors).toBe(0);
    const item = only(await davItems(studioCal, 'alice'));
    expect(item.body).toContain('SUMMARY:Smith ceremony');
    expect(item.body).toContain("LOCATION:St Mary's");
  });

  it('pulls an edit another client made on the server', async () => {
    const item = only(await davItems(studioCal, 'alice'));
    await davPut(item, 'alice', setProp(item.body, 'LOCATION', 'Town Hall'));
    const summary = await cliJson<SyncSummary>('sync', 'Studio', '--json');
    expect(summary.totals.hub.updated).toBe(1);
    const events = await cliJson<HubEvent[]>('events', '--json');
    expect(events.find((e) => e.id === eventId)?.event.location).toBe('Town Hall');
  });

  it('records a conflict when both sides change the title, and resolves it for the provider', async () => {
    const updated = await cliOk('event', 'update', eventId, '--title', 'Smith ceremony (hub)');
    expect(updated).toMatch(/updated .* "Smith ceremony \(hub\)" \(version \d+\)/);
    const item = only(await davItems(studioCal, 'alice'));
    await davPut(item, 'alice', setProp(item.body, 'SUMMARY', 'Smith ceremony (phone)'));

    const human = await cliOk('sync', 'Studio');
    expect(human).toMatch(/1 conflict\(s\)/);
    expect(human).toContain('conflicts wait for you: calsync conflicts');

    const conflicts = await cliJson<ConflictRecord[]>('conflicts', '--json');
    expect(conflicts).toHaveLength(1);
    const conflict = conflicts[0] as ConflictRecord;
    expect(conflict.fields).toContain('title');
    expect(conflict.hub?.title).toBe('Smith ceremony (hub)');
    expect(conflict.remote?.title).toBe('Smith ceremony (phone)');
    expect(await cliOk('conflicts')).toContain(conflict.id);
    const health = await cliJson<{ name: string; openConflicts: number }[]>('integrations', '--json');
    expect(health[0]?.openConflicts).toBe(1);

    const badChoice = await runCli('resolve', conflict.id, '--take', 'both');
    expect(badChoice.code).toBe(2);
    const resolved = await cliJson<ConflictRecord>('resolve', conflict.id, '--take', 'provider', '--json');
    expect(resolved.status).toBe('resolved');

    const events = await cliJson<HubEvent[]>('events', '--json');
    expect(events.find((e) => e.id === eventId)?.event.title).toBe('Smith ceremony (phone)');
    expect(only(await davItems(studioCal, 'alice')).body).toContain('SUMMARY:Smith ceremony (phone)');
    expect(await cliOk('conflicts')).toContain('no open conflicts');
    const again = await cliJson<SyncSummary>('sync', 'Studio', '--json');
    expect(again.totals).toMatchObject({ conflicts: 0, errors: 0, hub: { created: 0, updated: 0, deleted: 0 }, remote: { created: 0, updated: 0, deleted: 0 } });
  });

  it('pushes a hub delete as a delete, and a restore as a create', async () => {
    expect(await cliOk('event', 'delete', eventId)).toContain(`deleted ${eventId}`);
    expect(await cliJson<HubEvent[]>('events', '--json')).toEqual([]);
    expect((await cliJson<HubEvent[]>('events', '--deleted', '--json')).map((e) => e.id)).toEqual([eventId]);
    const summary = await cliJson<SyncSummary>('sync', 'Studio', '--json');
    expect(summary.totals.remote.deleted).toBe(1);
    expect(await davItems(studioCal, 'alice')).toEqual([]);

    const history = await cliJson<AuditEntry[]>('event', 'history', eventId, '--json');
    expect(history.map((h) => h.action)).toEqual(expect.arrayContaining(['create', 'update', 'delete']));
    expect(history.map((h) => h.source)).toEqual(expect.arrayContaining(['cli', 'conflict']));
    expect(await cliOk('event', 'history', eventId)).toMatch(/delete\s+cli/);

    expect(await cliOk('event', 'restore', eventId)).toMatch(/restored .* "Smith ceremony \(phone\)"/);
    const pushed = await cliJson<SyncSummary>('sync', 'Studio', '--json');
    expect(pushed.totals.remote.created).toBe(1);
    expect(only(await davItems(studioCal, 'alice')).body).toContain('SUMMARY:Smith ceremony (phone)');
  });

  it('shows the integration health', async () => {
    const rows = await cliJson<(Integration & { calendars: number; enabled: number; lastSuccessAt?: string; openConflicts: number })[]>('integrations', '--json');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Studio', provider: 'caldav', status: 'active', calendars: 1, enabled: 1, openConflicts: 0 });
    expect(rows[0]?.lastSuccessAt).toMatch(/^\d{4}-/);
    expect((rows[0] as unknown as { health: { healthy: boolean; deadLetters: number; circuit: string | null } }).health).toMatchObject({ healthy: true, deadLetters: 0 });
    expect(await cliOk('integrations')).toMatch(/Studio\s+caldav\s+active\s+ok\s+1\/1\s+\d{4}-\S+\s+\d+ s\s+0\s+0/);
  });

  it('propagates a change pulled from one integration to the other in the same sync', async () => {
    await cliOk('connect', 'caldav', '--url', radicale.url, '--username', 'bob', '--password-env', 'RADICALE_PW', '--allow-private', '--name', 'Home', '--json');
    const first = await cliJson<SyncSummary>('sync', 'Home', '--json');
    expect(first.totals.remote.created).toBe(1);
    expect(only(await davItems(homeCal, 'bob')).body).toContain('SUMMARY:Smith ceremony (phone)');

    const item = only(await davItems(studioCal, 'alice'));
    await davPut(item, 'alice', setProp(item.body, 'LOCATION', 'Rose Garden'));
    const summary = await cliJson<SyncSummary>('sync', 'Studio', '--json');
    expect(summary.totals.hub.updated).toBe(1);
    expect(summary.propagatedTo).toHaveLength(1);
    expect(summary.propagatedTo[0]?.remote.updated).toBe(1);
    expect(only(await davItems(homeCal, 'bob')).body).toContain('LOCATION:Rose Garden');

    // --no-propagate leaves the other integration behind until its own sync.
    const again = only(await davItems(studioCal, 'alice'));
    await davPut(again, 'alice', setProp(again.body, 'LOCATION', 'Orangery'));
    const quiet = await cliJson<SyncSummary>('sync', 'Studio', '--no-propagate', '--json');
    expect(quiet.totals.hub.updated).toBe(1);
    expect(quiet.propagatedTo).toEqual([]);
    expect(only(await davItems(homeCal, 'bob')).body).toContain('LOCATION:Rose Garden');
    await cliOk('sync', 'Home');
    expect(only(await davItems(homeCal, 'bob')).body).toContain('LOCATION:Orangery');
  });

  it('disconnects an integration; its hub events stay', async () => {
    expect((await runCli('disconnect', 'Home')).code).toBe(2);
    expect(await cliOk('disconnect', 'Home', '--yes')).toContain('disconnected Home');
    expect((await cliJson<Integration[]>('integrations', '--json')).map((i) => i.name)).toEqual(['Studio']);
    expect(await cliJson<HubEvent[]>('events', '--json')).toHaveLength(1);
    const missing = await runCli('sync', 'Home', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('no integration "Home"') } });
  });

  it('doctor passes while the server is up and fails with a fix when it is down', async () => {
    const ok = await runCli('doctor');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ integration default\/Studio: reachable, 1 calendar/);
    await radicale.kill();
    const down = await runCli('doctor', '--json');
    expect(down.code).toBe(1);
    const checks = JSON.parse(down.stdout) as { name: string; ok: boolean; fix?: string }[];
    const studio = checks.find((c) => c.name === 'integration default/Studio');
    expect(studio).toMatchObject({ ok: false, fix: 'check the server URL, the network and the credentials' });
    expect(checks.filter((c) => c.name !== studio?.name).every((c) => c.ok)).toBe(true);
  });
});
