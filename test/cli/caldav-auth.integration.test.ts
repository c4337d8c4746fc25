/**
 * `connect caldav` checks the credentials with discovery before saving anything: against Radicale with
 * htpasswd authentication a wrong password is refused (with the re-auth hint) and nothing is stored.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Integration } from '../../src/store/types.js';
import { mkcalendar, startDavServer, type DavServer } from '../support/radicale.js';
import { cliJson, runCli, useDataDir, type DataDir } from './helpers.js';

let radicale: DavServer;
let data: DataDir;

beforeAll(async () => {
  radicale = await startDavServer('/usr/bin/radicale', 'radicale', (port, dir) => {
    const users = join(dir, 'users');
    writeFileSync(users, 'alice:x\n');
    return ['--config', '', '--server-hosts', `127.0.0.1:${port}`, '--storage-filesystem-folder', join(dir, 'collections'), '--auth-type', 'htpasswd', '--auth-htpasswd-filename', users, '--auth-htpasswd-encryption', 'plain'];
  });
  await mkcalendar(radicale.url, 'alice', 'weddings'); // the helper authenticates with password "x"
  data = useDataDir();
});

afterAll(async () => {
  delete process.env.CALSYNC_TEST_PW;
  data?.restore();
  await radicale?.stop();
});

it('refuses a wrong password before saving, and connects with the right one', async () => {
  process.env.CALSYNC_TEST_PW = 'wrong';
  const refused = await runCli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'CALSYNC_TEST_PW', '--allow-private');
  expect(refused.code).toBe(4);
  expect(refused.stderr).toContain('reconnect the integration with a fresh (app-specific) password');
  expect(await cliJson<Integration[]>('integrations', '--json')).toEqual([]);

  const asJson = await runCli('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'CALSYNC_TEST_PW', '--allow-private', '--json');
  expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'PROVIDER_AUTH' } });

  process.env.CALSYNC_TEST_PW = 'x';
  const connected = await cliJson<{ integration: Integration; calendars: unknown[] }>('connect', 'caldav', '--url', radicale.url, '--username', 'alice', '--password-env', 'CALSYNC_TEST_PW', '--allow-private', '--json');
  expect(connected.integration).toMatchObject({ name: `127.0.0.1:${radicale.port} alice`, provider: 'caldav', status: 'active' });
  expect(connected.calendars).toHaveLength(1);
  // The password is stored encrypted, never in the integration's config.
  expect(JSON.stringify(connected.integration)).not.toContain('"x"');
});
