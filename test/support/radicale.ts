/**
 * Real CalDAV servers for integration tests: each start spawns the Debian binary on 127.0.0.1 on a free
 * port with its data in a fresh temp dir, and waits (bounded) until it answers HTTP.
 * `startDavServer` is shared with `xandikos.ts`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DavServer {
  /** Base URL, e.g. `http://127.0.0.1:5232/`. */
  url: string;
  port: number;
  dir: string;
  /** Kill the process but keep its data (simulates an outage). */
  kill(): Promise<void>;
  /** Start again on the same port with the same data. */
  start(): Promise<void>;
  /** Kill and delete the data. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Installs the Debian package when the binary is missing (the tests run as root). */
export function ensureBinary(binary: string, aptPackage: string): void {
  if (existsSync(binary)) return;
  execFileSync('apt-get', ['install', '-y', aptPackage], { stdio: 'ignore', timeout: 300_000 });
  if (!existsSync(binary)) throw new Error(`${binary} is missing and apt-get could not install ${aptPackage}`);
}

export async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`);
    try {
      await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not answer within 20 s: ${output()}`);
}

/**
 * Supervises a server a test started: keeps the tail of its output for error messages, reaps it when
 * the test process exits (a timeout, a crash), and waits until it answers `url` (reaped when it never does).
 */
export async function superviseUntilAnswering(proc: ChildProcess, url: string, reap: () => void): Promise<void> {
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  process.once('exit', reap);
  proc.once('exit', () => process.removeListener('exit', reap));
  try {
    await waitUntilAnswering(url, proc, () => log);
  } catch (err) {
    reap();
    throw err;
  }
}

/** Kills a supervised server (`kill`) and waits for it to exit; nothing when it already has. */
export async function killAndWait(proc: ChildProcess | undefined, kill: () => void): Promise<void> {
  if (!proc || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  kill();
  await exited;
}

export async function startDavServer(binary: string, aptPackage: string, args: (port: number, dir: string) => string[]): Promise<DavServer> {
  ensureBinary(binary, aptPackage);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'calsync-dav-'));
  const url = `http://127.0.0.1:${port}/`;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = spawn(binary, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await superviseUntilAnswering(proc, url, () => proc.kill('SIGKILL'));
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    await killAndWait(proc, () => proc?.kill('SIGKILL'));
  };
  await start();
  return {
    url,
    port,
    dir,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Radicale 3 with no authentication (any user name is accepted; Basic auth must still be sent). */
export function startRadicale(): Promise<DavServer> {
  return startDavServer('/usr/bin/radicale', 'radicale', (port, dir) => [
    '--config',
    '',
    '--server-hosts',
    `127.0.0.1:${port}`,
    '--storage-filesystem-folder',
    dir,
    '--auth-type',
    'none',
  ]);
}

/** Radicale needs calendars created with MKCALENDAR; returns the collection URL. */
export async function mkcalendar(serverUrl: string, user: string, name: string, displayName = name): Promise<string> {
  const url = new URL(`/${user}/${name}/`, serverUrl).toString();
  const body =
    '<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' +
    `<d:set><d:prop><d:displayname>${displayName}</d:displayname>` +
    '<c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>';
  const response = await fetch(url, {
    method: 'MKCALENDAR',
    headers: { Authorization: `Basic ${Buffer.from(`${user}:x`).toString('base64')}`, 'Content-Type': 'application/xml' },
    body,
  });
  if (response.status !== 201) throw new Error(`MKCALENDAR ${url}: HTTP ${response.status} ${await response.text()}`);
  return url;
}
