/**
 * calsync as child processes (`bin/calsync.js serve|worker`), each in its own process group so a
 * `kill -9` takes the whole process (tsx included). Output goes to a log file per process name (kept
 * across restarts). Every live child is SIGKILLed by a synchronous exit hook as a last resort.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { sleep } from './rng.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const CALSYNC = join(ROOT, 'bin/calsync.js');

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export interface CalsyncProcessSpec {
  /** `serve`, `worker-1`, …: names the log file. */
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** HTTP URL answering 200 once the process is ready (serve: /readyz). Without: ready when `readyLine` is logged. */
  readyUrl?: string;
  readyLine?: string;
}

export class CalsyncProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  private readyPromise: Promise<void> = Promise.resolve();
  /** How many times this process was started / killed with SIGKILL. */
  starts = 0;
  kills = 0;
  /** Exits nobody asked for (crash, not our kill). */
  unexpectedExits: string[] = [];
  private expectingExit = false;
  /** The current incarnation answered ready and has not exited since. */
  isReady = false;

  constructor(readonly spec: CalsyncProcessSpec) {
    this.log = createWriteStream(join(spec.logDir, `${spec.name}.log`), { flags: 'a' });
  }

  get alive(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  get logFile(): string {
    return join(this.spec.logDir, `${this.spec.name}.log`);
  }

  /** Spawns the process; resolves at once. `ready()` waits until it serves / works. */
  start(): void {
    if (this.alive) return;
    this.starts += 1;
    this.expectingExit = false;
    this.isReady = false;
    this.log.write(`\n=== campaign: start #${this.starts} at ${new Date().toISOString()} ===\n`);
    const child = spawn(process.execPath, [CALSYNC, ...this.spec.args], { cwd: ROOT, env: this.spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    let sawLine = false;
    let lineWaiter: (() => void) | undefined;
    const onData = (d: Buffer): void => {
      this.log.write(d);
      if (!sawLine && this.spec.readyLine && d.toString().includes(this.spec.readyLine)) {
        sawLine = true;
        lineWaiter?.();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<void>((resolveExit) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.isReady = false;
        this.log.write(`=== campaign: exit code=${code ?? ''} signal=${signal ?? ''} at ${new Date().toISOString()} ===\n`);
        if (!this.expectingExit) this.unexpectedExits.push(`${this.spec.name}: exit ${code ?? signal ?? '?'}`);
        resolveExit();
      }),
    );
    this.readyPromise = (async () => {
      if (this.spec.readyUrl) {
        const url = this.spec.readyUrl;
        for (;;) {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.spec.name} exited before it was ready`);
          const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
          if (ok) return;
          await sleep(150);
        }
      }
      if (this.spec.readyLine && !sawLine) await Promise.race([new Promise<void>((r) => (lineWaiter = r)), exited.then(() => Promise.reject(new Error(`${this.spec.name} exited before it was ready`)))]);
    })();
    this.readyPromise.then(
      () => {
        if (this.child === child && this.alive) this.isReady = true;
      },
      () => undefined,
    );
  }

  /** Waits (bounded) until the current incarnation is ready; false when it died or took too long. */
  async ready(timeoutMs = 90_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([this.readyPromise.then(() => true, () => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `kill -9` of the whole process group; resolves once it is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.expectingExit = true;
    this.kills += 1;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(child, 'SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 12_000): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.expectingExit = true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}
