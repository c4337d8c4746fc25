/**
 * DAViCal 1.1 (Debian `davical`) for integration tests: a private instance per start.
 *
 * - Its own throwaway PostgreSQL database on 127.0.0.1:5432 (trust, as the other tests use), made by
 *   DAViCal's own `create-database.sh`; dropped on stop. The cluster-wide roles `davical_dba` and
 *   `davical_app` are created once by that script and kept.
 * - PHP's built-in web server (`php -S`, several workers) on a free loopback port, with a router that
 *   maps `/caldav.php/...` to DAViCal and `/.well-known/caldav` to a redirect (what the Apache config
 *   of the package does), and no Apache: the package's own web server stays stopped.
 * - DAViCal reads `/etc/davical/<SERVER_NAME>-conf.php` first; the router gives it a SERVER_NAME that
 *   resolves to the instance's own config file in the temp dir (which then restores the real name), so
 *   nothing under /etc is written.
 * - The CalDAV user `test` / `x` is inserted as DAViCal's admin UI would (usr + principal rows).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killAndWait, superviseUntilAnswering, type DavServer } from './radicale.js';

export const DAVICAL_USER = 'test';
export const DAVICAL_PASSWORD = 'x';
const HTDOCS = '/usr/share/davical/htdocs';
const CREATE_DB = '/usr/share/davical/dba/create-database.sh';
const PHP = '/usr/bin/php';
const POLICY_RC = '/usr/sbin/policy-rc.d';
const PG_ENV = { PGHOST: '127.0.0.1', PGPORT: '5432', PGUSER: 'postgres' };

export interface DavicalServer extends DavServer {
  database: string;
  /** The user's calendar home (DAViCal: the principal URL), e.g. `http://127.0.0.1:PORT/caldav.php/test/`. */
  homeUrl: string;
}

/** Installs the Debian packages when missing; a policy-rc.d answering 101 keeps Apache from starting. */
export function ensureDavical(): void {
  if (existsSync(CREATE_DB) && existsSync(PHP) && existsSync('/usr/share/awl/inc/AWLUtilities.php')) return;
  const ownPolicy = !existsSync(POLICY_RC);
  if (ownPolicy) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['install', '-y', 'davical', 'php-cli', 'php-pgsql'], {
      stdio: 'ignore',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } finally {
    if (ownPolicy) unlinkSync(POLICY_RC);
  }
  if (!existsSync(CREATE_DB) || !existsSync(PHP)) throw new Error('DAViCal is missing and apt-get could not install davical + php-cli + php-pgsql');
}

function psql(database: string, sql: string): string {
  return execFileSync('psql', ['-qXAt', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { env: { ...process.env, ...PG_ENV } }).toString();
}

function router(dir: string): string {
  return `<?php
// calsync test instance: DAViCal behind php -S (see test/support/davical.ts).
$_SERVER['SERVER_NAME'] = '../..${dir}/davical';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path === '/.well-known/caldav' || $path === '/.well-known/caldav/') {
  header('Location: /caldav.php/', true, 301);
  return true;
}
if ($path === '/caldav.php' || str_starts_with($path, '/caldav.php/')) {
  chdir('${HTDOCS}');
  $_SERVER['SCRIPT_NAME'] = '/caldav.php';
  $_SERVER['PATH_INFO'] = substr($path, strlen('/caldav.php'));
  require '${HTDOCS}/caldav.php';
  return true;
}
http_response_code(404);
return true;
`;
}

function config(database: string): string {
  return `<?php
$c->pg_connect[] = "host=127.0.0.1 port=5432 dbname=${database} user=davical_app";
$c->system_name = 'calsync test DAViCal';
$c->admin_email = 'admin@example.net';
// The router chose SERVER_NAME to find this file; DAViCal builds hrefs from it.
$_SERVER['SERVER_NAME'] = '127.0.0.1';
`;
}

/** `user`: the CalDAV account to create (default `test` / `x`). */
export async function startDavical(user: { name: string; password: string } = { name: DAVICAL_USER, password: DAVICAL_PASSWORD }): Promise<DavicalServer> {
  if (!/^[A-Za-z0-9_.-]+$/.test(user.name) || user.password.includes("'")) throw new Error('test user names are plain');
  ensureDavical();
  const database = `calsync_davical_${randomBytes(6).toString('hex')}`;
  execFileSync('bash', [CREATE_DB, database, randomBytes(12).toString('hex')], { env: { ...process.env, ...PG_ENV }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  psql(
    database,
    `INSERT INTO usr (active, email_ok, updated, username, password, fullname, email) VALUES (TRUE, current_date, current_date, '${user.name}', '**${user.password}', 'Test', 'test@example.net');` +
      `INSERT INTO principal (type_id, user_no, displayname, default_privileges) SELECT 1, user_no, 'Test', 0::BIT(24) FROM usr WHERE username = '${user.name}';`,
  );
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'calsync-davical-'));
  writeFileSync(join(dir, 'davical-conf.php'), config(database));
  writeFileSync(join(dir, 'router.php'), router(dir));
  const url = `http://127.0.0.1:${port}/`;
  let child: ChildProcess | undefined;

  const killGroup = (proc: ChildProcess): void => {
    if (proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  };
  const start = async (): Promise<void> => {
    const proc = spawn(PHP, ['-S', `127.0.0.1:${port}`, '-t', HTDOCS, join(dir, 'router.php')], {
      cwd: HTDOCS,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
    });
    child = proc;
    await superviseUntilAnswering(proc, url, () => killGroup(proc));
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    await killAndWait(proc, () => killGroup(proc));
    killGroup(proc); // the workers php forked
  };

  await start();
  return {
    url,
    port,
    dir,
    database,
    homeUrl: new URL(`/caldav.php/${user.name}/`, url).toString(),
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
      psql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

/** Runs SQL in the instance's database (what DAViCal's own maintenance would do, for tests). */
export function davicalSql(server: DavicalServer, sql: string): string {
  return psql(server.database, sql);
}

/** A new calendar under the test user's home (MKCALENDAR); returns its URL. */
export async function davicalMkcalendar(server: DavicalServer, name: string, user: { name: string; password: string } = { name: DAVICAL_USER, password: DAVICAL_PASSWORD }): Promise<string> {
  const url = new URL(`${name}/`, server.homeUrl).toString();
  const body =
    '<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
    `<d:set><d:prop><d:displayname>${name}</d:displayname>` +
    '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>';
  const response = await fetch(url, {
    method: 'MKCALENDAR',
    headers: { Authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`, 'Content-Type': 'application/xml' },
    body,
  });
  if (response.status !== 201) throw new Error(`MKCALENDAR ${url}: HTTP ${response.status} ${await response.text()}`);
  return url;
}
