/**
 * The deterministic simulation (see `sim/`), CI-sized: `SIM_RUNS` schedules (default 100) from a
 * fixed seed, each with user actions, third-party edits and deletes, faults, crashes and a second
 * worker injected at the scheduling points of the engine's provider requests and store writes; after
 * quiescence nothing is lost, duplicated, silently reverted, looping or hidden behind a cursor. A
 * failure is shrunk and reported with its seed, path and the schedule as played.
 * `npm run test:model -- --runs N` runs it deeper.
 */
import { describe, expect, it } from 'vitest';
import { runSim } from './sim/property.js';

const RUNS = Number(process.env['SIM_RUNS'] ?? 100);
const SEED = Number(process.env['SIM_SEED'] ?? 20_261_206);

describe('sync engine simulation', () => {
  it(`keeps every invariant under interleaved edits, faults, crashes and two workers (${RUNS} schedules, seed ${SEED})`, async () => {
    const result = await runSim(RUNS, { seed: SEED });
    expect(result.report ?? '').toBe('');
    expect(result.failures).toBe(0);
    // The schedules reached the injection points they are for.
    const kinds = new Set([...result.coverage.values()].flatMap((row) => [...row.keys()]));
    for (const k of ['user:caldav', 'user:graph', 'user:hub', 'crash', 'reset-after']) expect(kinds).toContain(k);
  }, 600_000);
});
