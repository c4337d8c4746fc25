/**
 * A calsync deployment as real processes, for the two-process test and the end-to-end benchmark: one
 * PostgreSQL database, one Redis prefix, a data dir and a secret key shared by every process, the CLI run
 * as a child, `serve`/`worker` spawned (and killed on `stop`, whatever happened), and a WebSocket client.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WebSocket } from 'undici';
import { generateSecretKey } from '../../src/util/crypto.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { REDIS_URL, deleteKeysByPrefix, uniquePrefix } from '../support/redis.js';

const BIN = resolve(import.meta.dirname, '../../bin/calsync.js');

export interface Child {
  name: string;
  proc: ChildProcess;
  log(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface LiveMessage {
  type: string;
  calendarId?: string;
  integrationId?: string;
  counts?: { processed: number; total: number; created: number; updated: number; deleted: number };
  summary?: { hub: { created: number; updated: number }; remote: { created: number; updated: number } };
}

export class Cluster {
  private readonly children: Child[] = [];

  private constructor(
    readonly env: NodeJS.ProcessEnv,
    private readonly database: TestDatabase,
    private readonly dataDir: string,
    private readonly prefix: string,
  ) {}

  static async create(extraEnv: NodeJS.ProcessEnv = {}): Promise<Cluster> {
    const database = await createTestDatabase('calsync_cluster');
    const dataDir = mkdtempSync(join(tmpdir(), 'calsync-cluster-'));
    const prefix = uniquePrefix('cluster');
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL,
      CALSYNC_REDIS_PREFIX: prefix,
      CALSYNC_DATA_DIR: dataDir,
      CALSYNC_SECRET_KEY: generateSecretKey().toString('hex'),
      CALSYNC_ALLOW_PRIVATE_URLS: '1',
      LOG_LEVEL: 'info',
      ...extraEnv,
    };
    return new Cluster(env, database, dataDir, prefix);
  }

  /** Runs a CLI command to completion; its stdout. */
  async cli(...args: string[]): Promise<string> {
    return (await promisify(execFile)(process.execPath, [BIN, ...args], { env: this.env, timeout: 60_000 })).stdout;
  }

  start(name: string, ...args: string[]): Child {
    let log = '';
    const proc = spawn(process.execPath, [BIN, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const child: Child = {
      name,
      proc,
      log: () => log,
      stop: () => {
        if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
        const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
        proc.kill('SIGTERM');
        return exited;
      },
    };
    this.children.push(child);
    return child;
  }

  /**
   * Resolves once `child` has printed `text` (its readiness line); rejects, with its log, if it exits
   * first. Event-driven, no deadline of its own: a slow start on a loaded machine is not a failure, a
   * process that dies is.
   */
  logged(child: Child, text: string): Promise<void> {
    return new Promise<void>((resolvePrinted, reject) => {
      const check = (): void => {
        if (!child.log().includes(text)) return;
        cleanup();
        resolvePrinted();
      };
      const exited = (code: number | null): void => {
        cleanup();
        reject(new Error(`${child.name} exited (${code}) before printing "${text}"\n${child.log().slice(-3000)}`));
      };
      const cleanup = (): void => {
        child.proc.stdout?.off('data', check);
        child.proc.stderr?.off('data', check);
        child.proc.off('exit', exited);
      };
      child.proc.stdout?.on('data', check);
      child.proc.stderr?.on('data', check);
      child.proc.once('exit', exited);
      check();
    });
  }

  /** Polls `fn` until it returns a value; on timeout the error carries every child's log tail. */
  async until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await Promise.resolve()
        .then(fn)
        .catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${this.children.map((c) => `--- ${c.name}\n${c.log().slice(-3000)}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** A `/ws` connection; resolves after the server's hello. Messages are collected in `messages`. */
  async live(baseUrl: string, apiKey: string): Promise<{ messages: LiveMessage[]; close(): void }> {
    const messages: LiveMessage[] = [];
    // The key goes in a header, never in the URL (issue 10, finding 4).
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${apiKey}` } });
    await new Promise<void>((resolveHello, reject) => {
      socket.addEventListener('message', (e) => {
        const msg = JSON.parse(String(e.data)) as LiveMessage;
        if (msg.type === 'hello') resolveHello();
        else messages.push(msg);
      });
      socket.addEventListener('error', () => reject(new Error('WebSocket refused')));
    });
    return { messages, close: () => socket.close() };
  }

  /** Kills what still runs, drops the database, deletes the Redis keys and the data dir. */
  async destroy(): Promise<void> {
    for (const { proc } of this.children) if (proc.exitCode === null) proc.kill('SIGKILL');
    await Promise.allSettled([this.database.drop(), deleteKeysByPrefix(this.prefix)]);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A VEVENT document for Radicale. */
export function ceremonyIcs(uid: string, day: string, hour = 14, location = 'Chapel'): string {
  const hh = String(hour).padStart(2, '0');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//calsync test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${day}T${hh}0000Z`,
    `DTEND:${day}T${String(hour + 1).padStart(2, '0')}0000Z`,
    'SUMMARY:Wedding ceremony',
    `LOCATION:${location}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export async function davPutIcs(url: string, user: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'PUT', headers: { Authorization: `Basic ${Buffer.from(`${user}:x`).toString('base64')}`, 'Content-Type': 'text/calendar' }, body });
  if (res.status !== 201 && res.status !== 204) throw new Error(`PUT ${url}: HTTP ${res.status}`);
}
