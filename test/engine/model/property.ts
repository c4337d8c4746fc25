/**
 * The model-based property: random commands against a fresh hub (one tenant of a shared store), then
 * quiescence, then the invariants. Shared by `model.test.ts` (small N in CI) and `model-run.ts`.
 */
import fc from 'fast-check';
import { sharedStore, type SharedStore } from '../harness.js';
import { commandArbitraries } from './commands.js';
import { ModelState, RULE_SETS, World } from './world.js';

export interface ModelRunResult {
  runs: number;
  failures: number;
  /** fast-check's report of the first counterexample (shrunk), when one was found. */
  report?: string;
}

/** `open` gives the store every run shares (one tenant per run); default: SQLite in memory. */
export async function runModel(runs: number, seed?: number, maxCommands = 40, open: () => Promise<SharedStore> = sharedStore): Promise<ModelRunResult> {
  const shared = await open();
  try {
    const property = fc.asyncProperty(
      fc.commands(commandArbitraries, { maxCommands, size: 'large' }),
      fc.nat(RULE_SETS.length - 1),
      fc.nat(1_000),
      async (cmds, ruleIndex, serverSeed) => {
        const world = await World.create(shared, RULE_SETS[ruleIndex] ?? {}, serverSeed + 1);
        const model = new ModelState();
        await fc.asyncModelRun(() => ({ model, real: world }), cmds);
        await world.quiesce();
        const violations = await world.violations(model);
        if (violations.length > 0) throw new Error(`invariants violated:\n  ${violations.join('\n  ')}`);
      },
    );
    const details = await fc.check(property, { numRuns: runs, ...(seed === undefined ? {} : { seed }) });
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      return { runs: details.numRuns, failures: 1, report: `${fc.defaultReportMessage(details) ?? 'failed'}\n${cause}` };
    }
    return { runs: details.numRuns, failures: 0 };
  } finally {
    await shared.close();
  }
}
