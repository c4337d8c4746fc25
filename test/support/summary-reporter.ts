/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after vitest's own summary so
 * CI tooling that reads the last line sees the counts (and writes it to CALSYNC_TEST_SUMMARY_FILE).
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

interface ErrorLike {
  name?: string;
  message?: string;
  stack?: string;
}

/** One short paragraph per unhandled error: vitest prints them before the long coverage table, CI logs keep the tail. */
function describeErrors(errors: ReadonlyArray<ErrorLike>): string {
  return errors
    .map((e, i) => {
      const stack = (e.stack ?? '').split('\n').filter((l) => l.trim().startsWith('at ')).slice(0, 6).join('\n');
      return `unhandled error ${i + 1}/${errors.length}: ${e.name ?? 'Error'}: ${e.message ?? String(e)}\n${stack}`;
    })
    .join('\n');
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<ErrorLike> = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed += 1;
    }
    const errors = unhandledErrors.length > 0 ? `${describeErrors(unhandledErrors)}\n` : '';
    const line = `${errors}tests: ${passed} passed, ${failed} failed, ${skipped} skipped${unhandledErrors.length > 0 ? `, ${unhandledErrors.length} unhandled errors` : ''}`;
    process.stdout.write(`\n${line}\n`);
    // Coverage tables print after this hook; `npm test` repeats the line last from this file.
    const file = process.env.CALSYNC_TEST_SUMMARY_FILE;
    if (file) writeFileSync(file, `${line}\n`);
  }
}
