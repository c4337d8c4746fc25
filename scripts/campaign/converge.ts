/**
 * Convergence after the disturbance: ask calsync to sync every calendar (through the API), compare, and
 * repeat until nothing is lost, duplicated or altered, or until the verdict stops changing for a while
 * (a stuck state: conflicts waiting for a person, a change calsync never saw), or the bound passes.
 */
import { compare, type Expected, type Verdict } from './compare.js';
import { sleep } from './rng.js';
import { takeSnapshot } from './snapshot.js';
import type { World } from './world.js';

export interface ConvergeResult {
  verdict: Verdict;
  seconds: number;
  rounds: number;
  /** Why it stopped: `converged`, `stable` (same verdict for the last rounds) or `timeout`. */
  reason: 'converged' | 'stable' | 'timeout';
}

const fingerprint = (v: Verdict): string => JSON.stringify([v.lost, v.duplicated, v.altered, v.spurious.map((s) => s.id)]);

export async function converge(world: World, expected: ReadonlyMap<string, Expected>, opts: { timeoutMs: number; roundMs?: number; stableRounds?: number; onRound?: (v: Verdict, round: number) => void }): Promise<ConvergeResult> {
  const started = performance.now();
  const roundMs = opts.roundMs ?? 5000;
  const stableRounds = opts.stableRounds ?? 8;
  let last: Verdict | undefined;
  let same = 0;
  let previous = '';
  for (let round = 1; ; round += 1) {
    for (const id of world.integrationIds) await world.hub.syncIntegration(id).catch(() => undefined);
    await sleep(roundMs);
    let verdict: Verdict;
    try {
      verdict = compare(expected, await takeSnapshot(world));
    } catch (err) {
      // A side did not answer: look again next round, within the bound.
      if (performance.now() - started <= opts.timeoutMs) continue;
      if (!last) throw err;
      return { verdict: last, seconds: (performance.now() - started) / 1000, rounds: round, reason: 'timeout' };
    }
    last = verdict;
    opts.onRound?.(verdict, round);
    const seconds = (performance.now() - started) / 1000;
    const print = fingerprint(verdict);
    same = print === previous ? same + 1 : 0;
    previous = print;
    if (verdict.lost.length + verdict.duplicated.length + verdict.altered.length === 0) {
      // Looks done: one more sync round must not change anything (no loop, no late revert).
      for (const id of world.integrationIds) await world.hub.syncIntegration(id).catch(() => undefined);
      await sleep(roundMs * 2);
      const confirm = await takeSnapshot(world).then((snap) => compare(expected, snap), () => verdict);
      if (fingerprint(confirm) === print) return { verdict: confirm, seconds: (performance.now() - started) / 1000, rounds: round, reason: 'converged' };
      last = confirm;
      previous = fingerprint(confirm);
      same = 0;
      continue;
    }
    if (same + 1 >= stableRounds) return { verdict, seconds, rounds: round, reason: 'stable' };
    if (performance.now() - started > opts.timeoutMs) return { verdict: last, seconds, rounds: round, reason: 'timeout' };
  }
}
