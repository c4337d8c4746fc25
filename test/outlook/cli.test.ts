/**
 * `calsync connect outlook` end to end against the emulator: the OAuth code + PKCE flow completes without
 * a browser, the calendars are saved, and `calendars`, `sync`, `events` and `disconnect` work for Outlook
 * as they do for CalDAV. Subscriptions are created when the public URL answers, deferred otherwise.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createGraphEmulator, type GraphEmulator } from '../../src/emulator/graph/index.js';
import type { HubEvent } from '../../src/model/event.js';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { buildApp } from '../../src/server/app.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord, Integration } from '../../src/store/types.js';
import { cliJson, cliOk, runCli, useDataDir, type DataDir } from '../cli/helpers.js';
import { sharedTls, USER } from './harness.js';

let emu: GraphEmulator;
let data: DataDir;
let caFile: string;

beforeAll(async () => {
  emu = await createGraphEmulator({ tls: await sharedTls() });
  data = useDataDir();
  process.env.CALSYNC_PUBLIC_URL = 'http://127.0.0.1:9';
  caFile = join(data.dir, 'emulator-ca.pem');
  writeFileSync(caFile, emu.caCert ?? '');
  for (let i = 0; i < 3; i += 1) {
    await emu.admin.act(USER, 'POST', '/events', { subject: `Consultation ${i}`, start: { dateTime: `2026-07-0${i + 1}T10:00:00`, timeZone: 'UTC' }, end: { dateTime: `2026-07-0${i + 1}T11:00:00`, timeZone: 'UTC' } });
  }
});

afterAll(async () => {
  data?.restore();
  await emu?.close();
});

describe('calsync connect outlook (emulator)', () => {
  it('signs in without a browser, saves the calendars and defers subscriptions while the service is down', async () => {
    const out = await cliOk('connect', 'outlook', '--graph-url', emu.url, '--login-hint', USER, '--ca-file', caFile, '--name', 'Studio Outlook');
    expect(out).toMatch(/connected Studio Outlook \(.+\) as adele@contoso.onmicrosoft.com; 1 calendar\(s\) found/);
    expect(out).toContain('subscriptions will be created when `calsync serve` runs');
    expect(emu.admin.subscriptions()).toHaveLength(0);
    const integrations = await cliJson<Integration[]>('integrations', '--json');
    expect(integrations.map((i) => [i.name, i.provider, i.status])).toEqual([['Studio Outlook', 'outlook', 'active']]);
    // No token material: a refresh token or cache never appears (the health report's `canRefreshToken` flag is a boolean).
    expect(JSON.stringify(integrations)).not.toMatch(/RefreshToken"\s*:\s*"|refresh_token|msalCache|secret/i);
  });

  it('lists calendars, syncs and shows the imported events like any other integration', async () => {
    const calendars = await cliJson<CalendarRecord[]>('calendars', 'Studio Outlook', '--json');
    expect(calendars).toHaveLength(1);
    expect(calendars[0]?.enabled).toBe(true);
    const sync = await runCli('sync', 'Studio Outlook', '--json');
    expect(sync.code, sync.stderr).toBe(0);
    const events = await cliJson<HubEvent[]>('events', '--json');
    expect(events.map((e) => e.event.title).sort()).toEqual(['Consultation 0', 'Consultation 1', 'Consultation 2']);
  });

  it('creates the subscriptions at once when the public URL answers, and deletes them on disconnect', async () => {
    // A running service on the same data: the webhook target Graph validates.
    const store: SqlStore = await openStore({ dataDir: data.dir });
    const queue: JobQueue = await openQueue({ db: store.db, dialect: store.dialect });
    const app: FastifyInstance = await buildApp({ store, queue });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    process.env.CALSYNC_PUBLIC_URL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const out = await cliOk('connect', 'outlook', '--graph-url', `${emu.url}/v1.0`, '--ca-file', caFile, '--name', 'Second');
      expect(out).toContain('change notifications subscribed for 1 calendar(s)');
      expect(emu.admin.subscriptions()).toHaveLength(1);
      expect(emu.admin.subscriptions()[0]?.notificationUrl.startsWith(`${process.env.CALSYNC_PUBLIC_URL}/webhooks/graph/notify?`)).toBe(true);
      await cliOk('disconnect', 'Second', '--yes');
      expect(emu.admin.subscriptions()).toHaveLength(0);
    } finally {
      await app.close();
      await queue.close();
      await store.close();
    }
  });

  it('needs an app registration for Microsoft Graph itself', async () => {
    const res = await runCli('connect', 'outlook');
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--client-id');
  });
});
