/**
 * `calsync serve` and `calsync worker` as real processes (bin/calsync.js): they start, answer, and exit 0
 * on SIGTERM; a server that cannot bind its port exits 1 instead of hanging. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../bin/calsync.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}): Running {
  const dir = mkdtempSync(join(tmpdir(), 'calsync-serve-'));
  dirs.push(dir);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'REDIS_URL', 'CALSYNC_SECRET_KEY', 'PORT', 'HOST'].includes(k)));
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...clean, CALSYNC_DATA_DIR: dir, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, probe: () => T | undefined, running: Running, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = probe();
    if (found !== undefined) return found;
    if (running.child.exitCode !== null) throw new Error(`exited ${running.child.exitCode} before ${what}: ${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${what} within ${ms} ms: ${running.output()}`);
}

async function exitWithin(running: Running, ms: number): Promise<number | null> {
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms));
  const result = await Promise.race([running.exited, timeout]);
  if (result === 'timeout') throw new Error(`did not exit within ${ms} ms: ${running.output()}`);
  return result;
}

describe('calsync serve', () => {
  it('serves /healthz and /readyz, and exits 0 on SIGTERM', async () => {
    const running = start(['serve', '--port', '0', '--host', '127.0.0.1']);
    const address = await waitFor('listening address', () => /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(running.output())?.[1], running);
    const health = await fetch(`${address}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${address}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', queue: 'ok' } });
    running.child.kill('SIGTERM');
    expect(await exitWithin(running, 30_000)).toBe(0);
    expect(running.output()).toContain('shutting down');
  });

  it('exits 1 with the reason when the port is taken, instead of hanging', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const running = start(['serve', '--port', String(port)]);
      expect(await exitWithin(running, 45_000)).toBe(1);
      expect(running.output()).toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });
});

describe('calsync worker', () => {
  it('starts and exits 0 on SIGTERM', async () => {
    const running = start(['worker', '--concurrency', '2', '--no-poll']);
    await waitFor('start log', () => (running.output().includes('calsync worker started') ? true : undefined), running);
    expect(running.output()).toMatch(/"concurrency":2/);
    running.child.kill('SIGTERM');
    expect(await exitWithin(running, 30_000)).toBe(0);
    expect(running.output()).toContain('worker shutting down');
  });
});
