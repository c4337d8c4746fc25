// `npm run build` (and every install, see postinstall.mjs): compiles src/ to dist/ with tsc
// (tsconfig.build.json, incremental: a rebuild after a small change takes seconds) and copies the
// dashboard's static assets beside the compiled plugin. Production runs dist/, never TypeScript.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
const assets = 'server/dashboard/assets';
rmSync(join(ROOT, 'dist', assets), { recursive: true, force: true });
cpSync(join(ROOT, 'src', assets), join(ROOT, 'dist', assets), { recursive: true });
process.stdout.write('calsync build: dist/ is up to date\n');
