/**
 * Runs the CLI in-process: `main(['node', 'calsync', ...args])` with stdout/stderr captured and a fresh
 * data dir per test, the environment restored afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'calsync', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Runs a command that must succeed and parses its JSON output. */
export async function cliJson<T = unknown>(...args: string[]): Promise<T> {
  const result = await runCli(...args);
  if (result.code !== 0) throw new Error(`calsync ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** Runs a command that must succeed; returns its stdout. */
export async function cliOk(...args: string[]): Promise<string> {
  const result = await runCli(...args);
  if (result.code !== 0) throw new Error(`calsync ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

const VARS = ['CALSYNC_DATA_DIR', 'DATABASE_URL', 'REDIS_URL', 'CALSYNC_SECRET_KEY', 'CALSYNC_ALLOW_PRIVATE_URLS', 'PORT', 'HOST', 'LOG_LEVEL', 'CALSYNC_PUBLIC_URL'];

export interface DataDir {
  dir: string;
  /** Restores the environment and deletes the data dir. */
  restore(): void;
}

/** A fresh CALSYNC_DATA_DIR (SQLite + embedded queue); other configuration variables cleared. */
export function useDataDir(): DataDir {
  const saved = new Map(VARS.map((v) => [v, process.env[v]]));
  for (const v of VARS) delete process.env[v];
  const dir = mkdtempSync(join(tmpdir(), 'calsync-cli-'));
  process.env.CALSYNC_DATA_DIR = dir;
  return {
    dir,
    restore() {
      for (const [v, value] of saved) {
        if (value === undefined) delete process.env[v];
        else process.env[v] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
