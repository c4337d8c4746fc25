/**
 * Cyrus IMAP 3.6 CalDAV (Debian `cyrus-imapd` + `cyrus-caldav`) for integration tests: a private
 * instance per start, never the package's system service.
 *
 * - Its own `imapd.conf` / `cyrus.conf`, config directory, spool, sockets and SASL database in a fresh
 *   temp dir owned by the `cyrus` user; `master` runs as that user in its own process group.
 * - `imap` and `http` (CalDAV) on free ports on 127.0.0.1.
 * - Passwords are checked by a test-only SASL setup: the `sasldb` auxprop plugin over a database file
 *   in the temp dir (written with `saslpasswd2 -f`), so nothing touches the machine's saslauthd.
 * - The CalDAV user (`test`, password `x`, as the other servers' tests use) is created over IMAP by the
 *   instance's admin (`CREATE user/test`); Cyrus creates its default calendar on first access.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killAndWait, superviseUntilAnswering, type DavServer } from './radicale.js';

export const CYRUS_USER = 'test';
export const CYRUS_PASSWORD = 'x';
const BIN = '/usr/lib/cyrus/bin';
const MASTER = `${BIN}/master`;
const HTTPD = `${BIN}/httpd`;
const SASLPASSWD = '/usr/sbin/saslpasswd2';
const REALM = 'calsync-test';
const POLICY_RC = '/usr/sbin/policy-rc.d';

export interface CyrusServer extends DavServer {
  imapPort: number;
  /** The user's calendar home, e.g. `http://127.0.0.1:PORT/dav/calendars/user/test/`. */
  homeUrl: string;
}

/**
 * Installs the Debian packages when missing (tests run as root). The packages' postinst would start
 * the system service; a policy-rc.d answering 101 ("action forbidden") keeps it stopped.
 */
export function ensureCyrus(): void {
  if (existsSync(MASTER) && existsSync(HTTPD) && existsSync(SASLPASSWD)) return;
  const ownPolicy = !existsSync(POLICY_RC);
  if (ownPolicy) writeFileSync(POLICY_RC, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['install', '-y', 'cyrus-imapd', 'cyrus-caldav', 'sasl2-bin'], {
      stdio: 'ignore',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } finally {
    if (ownPolicy) unlinkSync(POLICY_RC);
  }
  if (!existsSync(MASTER) || !existsSync(HTTPD)) throw new Error('Cyrus is missing and apt-get could not install cyrus-imapd + cyrus-caldav');
}

function cyrusIds(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'cyrus']).toString().trim());
  const [uid, gid] = [id('-u'), id('-g')];
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('no cyrus user (is cyrus-common installed?)');
  return { uid, gid };
}

function chownTree(path: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, path]);
  chownSync(path, uid, gid);
}

function imapdConf(dir: string): string {
  return [
    `configdirectory: ${dir}/conf`,
    `partition-default: ${dir}/spool`,
    `sievedir: ${dir}/sieve`,
    `idlesocket: ${dir}/conf/socket/idle`,
    `lmtpsocket: ${dir}/conf/socket/lmtp`,
    `notifysocket: ${dir}/conf/socket/notify`,
    `servername: ${REALM}`,
    'admins: admin',
    'sasl_pwcheck_method: auxprop',
    'sasl_auxprop_plugin: sasldb',
    `sasl_sasldb_path: ${dir}/sasldb2`,
    'sasl_mech_list: PLAIN LOGIN',
    'allowplaintext: yes',
    'httpmodules: caldav',
    'httpallowcompress: no',
    'caldav_realm: calsync-test',
    'virtdomains: off',
    'unixhierarchysep: yes',
    'altnamespace: yes',
    'syslog_prefix: calsync-cyrus',
    '',
  ].join('\n');
}

function cyrusConf(dir: string, imapPort: number, httpPort: number): string {
  const conf = `-C ${dir}/imapd.conf`;
  return [
    'START {',
    `  recover cmd="ctl_cyrusdb ${conf} -r"`,
    '}',
    'SERVICES {',
    `  imap cmd="imapd ${conf}" listen="127.0.0.1:${imapPort}" prefork=0`,
    `  http cmd="httpd ${conf}" listen="127.0.0.1:${httpPort}" prefork=0`,
    '}',
    'EVENTS {',
    '}',
    'DAEMON {',
    '}',
    '',
  ].join('\n');
}

function setPassword(dir: string, user: string, password: string): void {
  execFileSync(SASLPASSWD, ['-p', '-c', '-f', join(dir, 'sasldb2'), '-u', REALM, user], { input: password, stdio: ['pipe', 'ignore', 'pipe'] });
}

/** A minimal IMAP exchange (LOGIN, one command, LOGOUT) with the instance's admin. */
export async function imapAdmin(port: number, password: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const steps = [`a1 LOGIN admin ${password}`, `a2 ${command}`, 'a3 LOGOUT'];
    let transcript = '';
    let step = -1;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`IMAP timed out: ${transcript}`));
    }, 15_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      transcript += chunk;
      const tag = step < 0 ? '* OK' : `a${step + 1} `;
      const lines = transcript.split('\r\n');
      const done = lines.find((l) => l.startsWith(tag));
      if (!done) return;
      if (step >= 0 && step < 2 && !done.startsWith(`a${step + 1} OK`)) {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`IMAP ${steps[step]?.split(' ')[1] ?? ''} failed: ${done}`));
        return;
      }
      step += 1;
      if (step < steps.length) {
        transcript = '';
        socket.write(`${steps[step]}\r\n`);
      } else {
        clearTimeout(timer);
        socket.end();
        resolve(done);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** `user`: the CalDAV account to create (default `test` / `x`). */
export async function startCyrus(user: { name: string; password: string } = { name: CYRUS_USER, password: CYRUS_PASSWORD }): Promise<CyrusServer> {
  ensureCyrus();
  const { uid, gid } = cyrusIds();
  const [imapPort, port] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'calsync-cyrus-'));
  for (const sub of ['conf/socket', 'conf/proc', 'conf/lock', 'spool', 'sieve']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'imapd.conf'), imapdConf(dir));
  writeFileSync(join(dir, 'cyrus.conf'), cyrusConf(dir, imapPort, port));
  const adminPassword = randomBytes(12).toString('hex');
  setPassword(dir, 'admin', adminPassword);
  setPassword(dir, user.name, user.password);
  chownTree(dir, uid, gid);
  const url = `http://127.0.0.1:${port}/`;
  let child: ChildProcess | undefined;

  const killGroup = (proc: ChildProcess, signal: NodeJS.Signals): void => {
    if (proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // the group is gone
    }
  };
  const start = async (): Promise<void> => {
    const proc = spawn(MASTER, ['-D', '-C', join(dir, 'imapd.conf'), '-M', join(dir, 'cyrus.conf'), '-p', join(dir, 'master.pid'), '-l', '64'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      uid,
      gid,
      detached: true,
    });
    child = proc;
    // A test run that dies must not leave master or its services behind.
    await superviseUntilAnswering(proc, url, () => killGroup(proc, 'SIGKILL'));
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    await killAndWait(proc, () => killGroup(proc, 'SIGKILL'));
    // Services forked by master share its process group (and its listening sockets).
    killGroup(proc, 'SIGKILL');
  };

  await start();
  await imapAdmin(imapPort, adminPassword, `CREATE user/${user.name}`);
  return {
    url,
    port,
    imapPort,
    dir,
    homeUrl: new URL(`/dav/calendars/user/${user.name}/`, url).toString(),
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new calendar under the test user's home (MKCALENDAR); returns its URL. */
export async function cyrusMkcalendar(server: CyrusServer, name: string, user: { name: string; password: string } = { name: CYRUS_USER, password: CYRUS_PASSWORD }): Promise<string> {
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
