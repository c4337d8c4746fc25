/**
 * "At most one sync of a calendar at a time across all processes" on the embedded queue: two OS
 * processes share one SQLite file; the log of handler runs must show no overlap per mutex.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../src/store/connect.js';
import { expect, it } from 'vitest';
import { SqlJobQueue } from '../../src/queue/sql/sql-queue.js';
import { eventually } from './eventually.js';

function runWorker(file: string, log: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'sqlite-worker.ts'), file, log], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

it('keeps one job per mutex running across two processes on one SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calsync-procs-'));
  try {
    const file = join(dir, 'queue.db');
    const log = join(dir, 'runs.log');
    writeFileSync(log, '');
    const { db } = connect<unknown>(`sqlite:${file}`, dir);
    const queue = await SqlJobQueue.open({ db, dialect: 'sqlite' });
    for (let i = 0; i < 64; i++) {
      // More calendars than one process runs at once (concurrency 4), so both processes take part.
      const mutex = `calendar:${i % 8}`;
      await queue.enqueue({ type: 'sync', tenantId: 't', payload: { mutex }, priority: 'high', mutex });
    }
    await queue.close();
    await db.destroy();

    const exits = Promise.all([runWorker(file, log), runWorker(file, log)]);
    await eventually(() => readFileSync(log, 'utf8').split('\n').filter((l) => l.endsWith(' ready')).length === 2, 30_000, 'both workers ready');
    writeFileSync(`${log}.go`, '');
    expect(await exits).toEqual([0, 0]);

    const runs = new Map<string, { pid: string; mutex: string; start?: bigint; end?: bigint }>();
    for (const row of readFileSync(log, 'utf8').trim().split('\n').filter((l) => !l.endsWith(' ready'))) {
      const [pid = '', what, mutex = '', id = '', ns = '0'] = row.split(' ');
      const run = runs.get(id) ?? { pid, mutex };
      if (what === 'start') run.start = BigInt(ns);
      else run.end = BigInt(ns);
      runs.set(id, run);
    }
    expect(runs.size).toBe(64);
    expect(new Set([...runs.values()].map((r) => r.pid)).size).toBe(2);
    for (let m = 0; m < 8; m++) {
      const mutex = `calendar:${m}`;
      const spans = [...runs.values()].filter((r) => r.mutex === mutex).sort((a, b) => Number((a.start ?? 0n) - (b.start ?? 0n)));
      expect(spans).toHaveLength(8);
      for (let i = 1; i < spans.length; i++) expect(spans[i]?.start ?? 0n).toBeGreaterThanOrEqual(spans[i - 1]?.end ?? 0n);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
