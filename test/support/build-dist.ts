/**
 * Global setup of the `integration` project: tests there spawn `bin/calsync.js`, which runs the compiled
 * `dist/`, so it is brought up to date with `src/` first (an incremental tsc build: seconds when
 * nothing changed). Without it a test would run yesterday's build of the code it means to check.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [join(import.meta.dirname, '../../scripts/install/build.mjs')], { stdio: 'inherit' });
}
