/**
 * Issue 13, "must show": the README walkthrough from a fresh data dir to a synced CalDAV calendar and a
 * signed-in dashboard, asserting the hints each step prints. The dashboard is the app `calsync serve`
 * runs, on the same data dir, so the walkthrough and the page land in the same tenant.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { firstRunMessage } from '../../src/cli/first-run.js';
import { loadConfig } from '../../src/config.js';
import type { HubEvent } from '../../src/model/event.js';
import { openRuntime, openRuntimeQueue } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import type { TenantUser } from '../../src/store/types.js';
import { mkcalendar, startRadicale, type DavServer } from '../support/radicale.js';
import { cliJson, cliOk, runCli, useDataDir, type DataDir } from './helpers.js';
import { davItems } from './dav.js';

let radicale: DavServer;
let calendarUrl: string;
let data: DataDir;

beforeAll(async () => {
  radicale = await startRadicale();
  calendarUrl = await mkcalendar(radicale.url, 'ana', 'weddings', 'Weddings');
  data = useDataDir();
  process.env.CALDAV_PASSWORD = 'x';
});

afterAll(async () => {
  delete process.env.CALDAV_PASSWORD;
  data?.restore();
  await radicale?.stop();
});

/** Runs the CLI with `text` on standard input (for --password-stdin). */
async function withStdin<T>(text: string, fn: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(process, 'stdin', 'get').mockReturnValue(Readable.from([Buffer.from(text)]) as unknown as typeof process.stdin);
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}

describe('the README walkthrough', () => {
  let signInUrl = '';

  it('npm start tells a first-time user where the dashboard is and how to sign in', async () => {
    const runtime = await openRuntime(loadConfig());
    try {
      const message = await firstRunMessage(runtime.store, runtime.clock, 'http://127.0.0.1:3000', { workers: true });
      expect(message).toContain('Dashboard: http://127.0.0.1:3000/dashboard');
      expect(message).toMatch(/one-time link \(works once, for 15 minutes\):\n {4}http:\/\/127\.0\.0\.1:3000\/dashboard#signin=csl_/);
      expect(message).toContain('npx calsync user add "you@example.com" --password-stdin');
      expect(message).toContain('Keep this running: it syncs your calendars automatically');
      expect(await firstRunMessage(runtime.store, runtime.clock, 'http://h:1', { workers: false })).toContain('only while a `calsync worker` runs');
    } finally {
      await runtime.close();
    }
  });

  it('adds the planner with a password read from stdin, and quotes the hints', async () => {
    const added = await withStdin('a long enough password\n', () => cliOk('user', 'add', 'Ana@Studio.example', '--name', 'Ana', '--password-stdin'));
    expect(added).toContain('added ana@studio.example to default');
    expect(added).toContain('they sign in at http://127.0.0.1:3000/dashboard with this email and password');
    const linkOnly = await cliOk('user', 'add', 'ben@studio.example');
    expect(linkOnly).toContain('next: calsync signin-link --user "ben@studio.example"');
    const weak = await withStdin('short\n', () => runCli('user', 'add', 'cy@studio.example', '--password-stdin'));
    expect(weak.code).toBe(2);
    expect((await cliJson<TenantUser[]>('user', 'list', '--json')).map((u) => u.email)).toEqual(['ana@studio.example', 'ben@studio.example']);
    expect((await runCli('user', 'remove', 'ben@studio.example')).code).toBe(2);
    expect(await cliOk('user', 'remove', 'ben@studio.example', '--yes')).toBe('removed ben@studio.example\n');
  });

  it('connects the CalDAV calendar, adds the ceremony and syncs it there', async () => {
    const refused = await runCli('connect', 'caldav', '--url', radicale.url, '--username', 'ana', '--password-env', 'CALDAV_PASSWORD');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--allow-private');
    await cliOk('connect', 'caldav', '--url', radicale.url, '--username', 'ana', '--password-env', 'CALDAV_PASSWORD', '--allow-private', '--name', 'Studio');
    // Ten days from now, so it is in the dashboard's agenda (the next six weeks).
    const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const added = await cliJson<HubEvent>('event', 'add', '--title', 'Smith & Jones ceremony', '--start', `${day}T14:00`, '--end', `${day}T15:00`, '--tz', 'Europe/London', '--location', "St Mary's", '--kind', 'ceremony', '--wedding-date', day, '--json');
    expect(added.event.title).toBe('Smith & Jones ceremony');
    await cliOk('sync', 'Studio');
    const items = await davItems(calendarUrl, 'ana');
    expect(items).toHaveLength(1);
    expect(items[0]?.body).toContain('SUMMARY:Smith & Jones ceremony');
  });

  it('prints a one-time sign-in link that opens the same tenant in the dashboard, once', async () => {
    const link = await cliJson<{ url: string; tenant: string }>('signin-link', '--json');
    expect(link.tenant).toBe('default');
    signInUrl = link.url;
    expect(signInUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/dashboard#signin=csl_[\w-]+$/);
    expect(await cliOk('signin-link', '--url', 'https://calsync.example.com/')).toMatch(/works once, for 15 minutes\):\n\n {2}https:\/\/calsync\.example\.com\/dashboard#signin=csl_/);

    const runtime = await openRuntime(loadConfig());
    const queue = await openRuntimeQueue(runtime);
    const app = await buildApp({ store: runtime.store, queue, clock: runtime.clock, rateLimits: false });
    try {
      const token = signInUrl.split('#signin=')[1];
      const session = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { token } });
      expect(session.statusCode).toBe(200);
      const cookie = String(session.headers['set-cookie']).split(';')[0]!;
      const integrations = (await app.inject({ method: 'GET', url: '/api/v1/integrations', headers: { cookie } })).json<{ name: string }[]>();
      expect(integrations.map((i) => i.name)).toEqual(['Studio']);
      const agenda = (await app.inject({ method: 'GET', url: '/api/v1/agenda', headers: { cookie } })).json<{ events: { title: string; weddingCritical: boolean; calendars: { state: string }[] }[] }>();
      expect(agenda.events.map((e) => [e.title, e.weddingCritical, e.calendars.map((c) => c.state)])).toEqual([['Smith & Jones ceremony', true, ['synced']]]);
      expect((await app.inject({ method: 'POST', url: '/api/v1/session', payload: { token } })).statusCode).toBe(401);
      const password = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'ana@studio.example', password: 'a long enough password' } });
      expect(password.json()).toMatchObject({ tenant: { name: 'default' }, user: { name: 'Ana' } });
    } finally {
      await app.close();
      await queue.close();
      await runtime.close();
    }
  });

  it('speaks noun–verb like gh, the old spellings kept', async () => {
    const listed = await cliJson<HubEvent[]>('event', 'list', '--json');
    expect(listed.map((e) => e.event.title)).toEqual(['Smith & Jones ceremony']);
    expect(await cliJson<HubEvent[]>('events', '--json')).toEqual(listed);
    const view = await cliOk('event', 'view', listed[0]!.id);
    expect(view).toContain('Smith & Jones ceremony');
    expect(view).toMatch(/in calendars\s+Weddings/);
    expect(await cliOk('conflict', 'list')).toBe('no open conflicts\n');
    expect((await runCli('conflict', 'view', 'nope')).stderr).toContain('calsync conflict list');
    expect(await cliOk('calendar', 'disable', 'Studio', 'Weddings')).toMatch(/Weddings\s+no\s+two_way/);
    expect(await cliOk('calendar', 'enable', 'Studio', 'Weddings', '--direction', 'export_only')).toMatch(/Weddings\s+yes\s+export_only/);
    expect(await cliOk('calendar', 'list', 'Studio')).toMatch(/Weddings\s+yes\s+export_only/);
    expect((await runCli('calendar', 'enable', 'Studio', 'Nope')).stderr).toContain('calsync calendar list "Studio"');
    expect(await cliOk('event', 'list', '--help')).toContain('Examples:');
  });

  it('documents its exit codes', async () => {
    const help = await cliOk('help', 'exit-codes');
    expect(help).toContain('4  authentication');
    expect(help).toContain('2  usage');
    const usage = await runCli('connect', 'caldav', '--no-such-option');
    expect(usage.code).toBe(2);
  });
});
