/**
 * The two synchronizers as child processes, each bounded by a timeout and killed with its whole
 * process group on timeout or when the benchmark ends (even on failure).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectRequest, ConnectResult, WorkerAnswer, WorkerRequest, WorkerSyncResult } from './calsync-worker.js';

/** Every child still running; `killAll` (and process exit) reaps them. */
const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL'); // detached: its own process group (time → vdirsyncer)
  } catch {
    child.kill('SIGKILL');
  }
}

export function killAll(): void {
  for (const child of running) killGroup(child);
  running.clear();
}
process.once('exit', killAll);

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

// ── calsync ─────────────────────────────────────────────────────────────────────────────────────────────

const WORKER = join(fileURLToPath(new URL('.', import.meta.url)), 'calsync-worker.ts');

/** A calsync worker process (see calsync-worker.ts). */
export class CalsyncWorker {
  private pending: { resolve: (a: WorkerAnswer) => void } | undefined;
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly timeoutMs: number,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    child.on('message', (answer: WorkerAnswer) => {
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(answer);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => this.pending?.resolve({ ok: false, error: `calsync worker exited (${child.exitCode ?? child.signalCode}): ${this.stderr}` }));
  }

  /** Starts the process and waits until it is ready; `startSeconds` is spawn → ready (node, tsx, modules). */
  static async start(timeoutMs: number): Promise<{ worker: CalsyncWorker; startSeconds: number }> {
    const started = performance.now();
    const child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'], detached: true });
    track(child);
    const worker = new CalsyncWorker(child, timeoutMs);
    await worker.answer('start');
    return { worker, startSeconds: (performance.now() - started) / 1000 };
  }

  private answer(what: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        killGroup(this.child);
        reject(new Error(`calsync ${what} did not finish within ${this.timeoutMs / 1000} s; killed`));
      }, this.timeoutMs);
      this.pending = {
        resolve: (a) => {
          clearTimeout(timer);
          if (a.ok) resolve(a.result);
          else reject(new Error(`calsync ${what}: ${a.error}`));
        },
      };
    });
  }

  private call(req: WorkerRequest): Promise<unknown> {
    const answer = this.answer(req.op);
    this.child.send(req);
    return answer;
  }

  async connect(req: Omit<ConnectRequest, 'op'>): Promise<ConnectResult> {
    return (await this.call({ op: 'connect', ...req })) as ConnectResult;
  }

  async sync(): Promise<WorkerSyncResult> {
    return (await this.call({ op: 'sync' })) as WorkerSyncResult;
  }

  /** Closes the store and ends the process; returns its final peak RSS (MB). */
  async stop(): Promise<number | undefined> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return undefined;
    try {
      const result = (await this.call({ op: 'exit' })) as { maxRssMb: number };
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
      return result.maxRssMb;
    } finally {
      killGroup(this.child);
    }
  }
}

// ── vdirsyncer ──────────────────────────────────────────────────────────────────────────────────────────

export const VDIRSYNCER = '/usr/bin/vdirsyncer';
export const GNU_TIME = '/usr/bin/time';

export interface VdirsyncerSetup {
  dir: string;
  config: string;
  /** The local folder holding the synced collection's .ics files. */
  localCollection: string;
}

/**
 * A vdirsyncer pair: the CalDAV calendar ⇄ a local folder of `.ics` files (a filesystem storage), with
 * its status in `dir`. Conflicts: the server wins (the benchmark only edits on the server).
 */
export function writeVdirsyncerConfig(dir: string, serverUrl: string, collection: string, username: string, password: string): VdirsyncerSetup {
  const local = join(dir, 'local');
  mkdirSync(local, { recursive: true });
  mkdirSync(join(dir, 'status'), { recursive: true });
  const config = join(dir, 'config');
  const q = (s: string): string => JSON.stringify(s);
  writeFileSync(
    config,
    [
      '[general]',
      `status_path = ${q(join(dir, 'status') + '/')}`,
      '',
      '[pair bench]',
      'a = "bench_remote"',
      'b = "bench_local"',
      `collections = [${q(collection)}]`,
      'conflict_resolution = "a wins"',
      '',
      '[storage bench_remote]',
      'type = "caldav"',
      `url = ${q(serverUrl)}`,
      `username = ${q(username)}`,
      `password = ${q(password)}`,
      '',
      '[storage bench_local]',
      'type = "filesystem"',
      `path = ${q(local + '/')}`,
      'fileext = ".ics"',
      '',
    ].join('\n'),
  );
  return { dir, config, localCollection: join(local, collection) };
}

export interface ProcessRun {
  seconds: number;
  /** Peak RSS from `/usr/bin/time -v` ("Maximum resident set size"), MB. */
  maxRssMb: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a command under `/usr/bin/time -v` in its own process group; rejects on failure or timeout. */
export function timedRun(command: string, args: readonly string[], opts: { timeoutMs: number; stdin?: string }): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-v', command, ...args], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.stdin ?? '');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      const maxRssMb = rss === undefined ? undefined : Number(rss) / 1024;
      if (timedOut) reject(new Error(`${command} ${args.join(' ')} did not finish within ${opts.timeoutMs / 1000} s; killed`));
      else if (code !== 0) reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.slice(-3000)}`));
      else resolve({ seconds, maxRssMb, stdout, stderr });
    });
  });
}

export async function vdirsyncerDiscover(setup: VdirsyncerSetup, timeoutMs: number): Promise<ProcessRun> {
  // discover asks whether to create the local collection: answer yes.
  return timedRun(VDIRSYNCER, ['-c', setup.config, 'discover'], { timeoutMs, stdin: 'y\n'.repeat(20) });
}

/** One `vdirsyncer sync` (log level WARNING: no per-item log lines slowing it down). */
export async function vdirsyncerSync(setup: VdirsyncerSetup, timeoutMs: number): Promise<ProcessRun> {
  return timedRun(VDIRSYNCER, ['-c', setup.config, '-v', 'WARNING', 'sync'], { timeoutMs });
}

/** .ics files in the local folder, and how many of them contain `marker`. */
export function localFiles(setup: VdirsyncerSetup, marker?: string): { files: number; marked: number } {
  const names = readdirSync(setup.localCollection).filter((f) => f.endsWith('.ics'));
  let marked = 0;
  if (marker !== undefined) for (const name of names) if (readFileSync(join(setup.localCollection, name), 'utf8').includes(marker)) marked += 1;
  return { files: names.length, marked };
}
