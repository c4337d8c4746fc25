import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ICLOUD_CALDAV_URL } from '../../src/providers/caldav/caldav-provider.js';
import { MemoryProvider } from '../../src/providers/memory/index.js';
import { CalsyncError } from '../../src/errors.js';
import { openQueue } from '../../src/queue/open.js';
import type { JobHandler } from '../../src/queue/types.js';
import { connectCalDav, findIntegration, type ConnectCalDavInput } from '../../src/service/connect.js';
import { makeService, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
let seen: (ConnectCalDavInput & { url: string })[];
let closed: number;

beforeEach(async () => {
  h = await makeService();
  seen = [];
  closed = 0;
});
afterEach(async () => {
  await h.close();
});

const PUBLIC = 'https://93.184.216.34/dav/';

function deps(account = 'studio') {
  return {
    store: h.store,
    clock: h.clock,
    makeProvider: (input: ConnectCalDavInput & { url: string }) => {
      seen.push(input);
      const provider = new MemoryProvider(h.server, { account });
      provider.close = async () => {
        closed += 1;
      };
      return provider;
    },
  };
}

const input = (overrides: Partial<ConnectCalDavInput> = {}): ConnectCalDavInput => ({ kind: 'caldav', url: PUBLIC, username: 'ann', password: 'pw', allowPrivate: false, ...overrides });

describe('connectCalDav', () => {
  it('discovers first, then saves the integration and its calendars; read-only ones start disabled', async () => {
    h.server.addCalendar({ account: 'studio', name: 'Weddings', color: '#ff0000' });
    h.server.addCalendar({ account: 'studio', name: 'Holidays', writable: false });
    const { integration, calendars } = await connectCalDav(deps(), h.tenantId, input());
    expect(integration).toMatchObject({ provider: 'caldav', name: '93.184.216.34 ann', config: { url: PUBLIC, username: 'ann' }, status: 'active' });
    expect(integration.config.allowPrivate).toBeUndefined();
    expect(calendars.map((c) => [c.name, c.enabled, c.color])).toEqual([
      ['Weddings', true, '#ff0000'],
      ['Holidays', false, undefined],
    ]);
    // A push key of its own seals the WebDAV-Push registrations of its calendars.
    expect(await h.store.integrations.getCredentials(h.tenantId, integration.id)).toEqual({ password: 'pw', pushKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(closed).toBe(1);
  });

  it('refuses loopback and private servers unless allowed, before any request', async () => {
    h.server.addCalendar({ account: 'studio' });
    await expect(connectCalDav(deps(), h.tenantId, input({ url: 'https://127.0.0.1:5232/' }))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/loopback/) });
    await expect(connectCalDav(deps(), h.tenantId, input({ url: 'https://10.1.2.3/' }))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/private/) });
    await expect(connectCalDav(deps(), h.tenantId, input({ url: 'http://93.184.216.34/' }))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/plain http/) });
    expect(seen).toEqual([]);
    const allowed = await connectCalDav(deps(), h.tenantId, input({ url: 'http://127.0.0.1:5232/', allowPrivate: true }));
    expect(allowed.integration.config).toEqual({ url: 'http://127.0.0.1:5232/', username: 'ann', allowPrivate: true });
  });

  it('refuses missing fields, a duplicate name and an account without event calendars, saving nothing', async () => {
    await expect(connectCalDav(deps(), h.tenantId, input({ url: undefined }))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('--url') });
    await expect(connectCalDav(deps(), h.tenantId, input({ username: '' }))).rejects.toMatchObject({ message: expect.stringContaining('--username') });
    await expect(connectCalDav(deps(), h.tenantId, input({ password: '' }))).rejects.toMatchObject({ message: expect.stringContaining('--password-env') });
    await expect(connectCalDav(deps('empty'), h.tenantId, input())).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no event calendars found') });
    expect(closed).toBe(1);
    expect(await h.store.integrations.list(h.tenantId)).toEqual([]);

    h.server.addCalendar({ account: 'studio' });
    await connectCalDav(deps(), h.tenantId, input({ name: 'Studio' }));
    await expect(connectCalDav(deps(), h.tenantId, input({ name: 'Studio' }))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('"Studio" exists already') });
    expect(await h.store.integrations.list(h.tenantId)).toHaveLength(1);
  });

  it('takes new credentials for an integration that waits for re-authorization, and activates it again', async () => {
    h.server.addCalendar({ account: 'studio' });
    const first = await connectCalDav(deps(), h.tenantId, input({ name: 'Studio', password: 'old' }));
    const { pushKey } = await h.store.integrations.getCredentials(h.tenantId, first.integration.id);
    await h.store.integrations.update(h.tenantId, first.integration.id, { status: 'needs_reauth', statusReason: 'rejected' });
    const reconnected: string[] = [];
    const again = await connectCalDav({ ...deps(), onReconnect: async (i) => void reconnected.push(i.id) }, h.tenantId, input({ name: 'Studio', password: 'new' }));
    expect(again.integration.id).toBe(first.integration.id);
    expect(again.integration.status).toBe('active');
    expect(again.integration.statusReason).toBeUndefined();
    expect(reconnected).toEqual([first.integration.id]);
    expect(await h.store.integrations.getCredentials(h.tenantId, first.integration.id)).toEqual({ password: 'new', pushKey });
    expect(await h.store.integrations.list(h.tenantId)).toHaveLength(1);
    expect(await h.store.calendars.list(h.tenantId, first.integration.id)).toHaveLength(1);
  });

  it('finding 8 (CalDAV): a reconnect replays what the rejected password parked and syncs every calendar at once', async () => {
    h.server.addCalendar({ account: 'studio' });
    h.server.addCalendar({ account: 'studio' });
    const first = await connectCalDav(deps(), h.tenantId, input({ name: 'Studio', password: 'old' }));
    const [cal, other] = first.calendars;
    const { calendars: [elsewhere] } = await h.addIntegration('phone');
    const queue = await openQueue({ db: h.store.db, dialect: h.store.dialect, clock: h.clock });
    try {
      // Jobs that died on the rejected password, one that died for another reason, one of another integration.
      const codes = new Map<string, string>();
      const dead = async (calendarId: string, code: string): Promise<string> => {
        const { id } = await queue.enqueue({ type: 'webdav-push.ensure', tenantId: h.tenantId, payload: { calendarId, mode: 'ensure' }, priority: 'high', attempts: 1 });
        codes.set(id, code);
        return id;
      };
      const authDead = await dead(cal!.id, 'PROVIDER_AUTH');
      const otherDead = await dead(other!.id, 'PROVIDER_UNAVAILABLE');
      const foreignDead = await dead(elsewhere!.id, 'PROVIDER_AUTH');
      const worker = queue.work({ 'webdav-push.ensure': async (_payload, job) => Promise.reject(new CalsyncError(codes.get(job.id) as 'PROVIDER_AUTH', 'refused')) });
      await queue.drain(30_000);
      await worker.stop();
      expect((await queue.deadLetters(h.tenantId)).map((j) => j.id).sort()).toEqual([authDead, otherDead, foreignDead].sort());
      await h.store.integrations.update(h.tenantId, first.integration.id, { status: 'needs_reauth', statusReason: 'rejected' });

      const again = await connectCalDav({ ...deps(), queue }, h.tenantId, input({ name: 'Studio', password: 'new' }));
      expect(again.caughtUp?.replayed).toEqual([authDead]);
      expect(again.caughtUp?.calendars.sort()).toEqual([cal!.id, other!.id].sort());
      expect((await queue.deadLetters(h.tenantId)).map((j) => j.id).sort()).toEqual([otherDead, foreignDead].sort());
      const ran: { type: string; calendarId: string; reason?: string }[] = [];
      const catchUp = queue.work({
        'webdav-push.ensure': async (payload: { calendarId: string }) => void ran.push({ type: 'webdav-push.ensure', calendarId: payload.calendarId }),
        'sync.calendar': async (payload: { calendarId: string; reason: string }) => void ran.push({ type: 'sync.calendar', calendarId: payload.calendarId, reason: payload.reason }),
      } as Record<string, JobHandler<never>>);
      await queue.drain(30_000);
      await catchUp.stop();
      expect(ran).toEqual(
        expect.arrayContaining([
          { type: 'webdav-push.ensure', calendarId: cal!.id },
          { type: 'sync.calendar', calendarId: cal!.id, reason: 'reconnected' },
          { type: 'sync.calendar', calendarId: other!.id, reason: 'reconnected' },
        ]),
      );
      expect(ran).toHaveLength(3);
    } finally {
      await queue.close();
    }
  });

  it('closes the discovery client and saves nothing when discovery fails', async () => {
    h.server.addCalendar({ account: 'studio' });
    h.server.faults.failNext('listCalendars', 'PROVIDER_AUTH');
    await expect(connectCalDav(deps(), h.tenantId, input())).rejects.toMatchObject({ code: 'PROVIDER_AUTH' });
    expect(closed).toBe(1);
    expect(await h.store.integrations.list(h.tenantId)).toEqual([]);
  });

  it('connects iCloud at its fixed entry point', async () => {
    h.server.addCalendar({ account: 'studio' });
    const { integration } = await connectCalDav(deps(), h.tenantId, { kind: 'icloud', username: 'ann@icloud.com', password: 'abcd-efgh', allowPrivate: false });
    expect(seen[0]?.url).toBe(ICLOUD_CALDAV_URL);
    expect(integration).toMatchObject({ provider: 'icloud', name: 'iCloud ann@icloud.com', config: { url: ICLOUD_CALDAV_URL } });
  });
});

describe('findIntegration', () => {
  it('finds by id or name within the tenant', async () => {
    const { integration } = await h.addIntegration('Studio');
    expect((await findIntegration(h.store, h.tenantId, integration.id)).id).toBe(integration.id);
    expect((await findIntegration(h.store, h.tenantId, 'Studio')).id).toBe(integration.id);
    const other = await h.store.tenants.create('other');
    await expect(findIntegration(h.store, other.id, 'Studio')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no integration "Studio" (list them with: calsync integrations)' });
  });
});
