/**
 * `npm run campaign -- NAME [options]`: long-running end-to-end campaigns against real peers on
 * loopback (see each campaign's file). Adding one is one line in `campaigns`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { USAGE } from './options.js';

// Before any calsync module loads undici 7: one built-in fetch makes Node install its own global
// dispatcher, which undici 7 then leaves alone (see bench/support/calsync-worker.ts for the crash this avoids).
await fetch('data:,campaign').then((r) => r.text());

type Campaign = { run(argv: string[]): Promise<number> };

/** A campaign that is its own script (the fuzz campaign bounds its heap): run as a child, same flags. */
const script = (file: string): Campaign => ({
  run: (argv) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL(file, import.meta.url)), ...argv], { stdio: 'inherit' });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 2 : 0)));
    }),
});

const campaigns: Record<string, () => Promise<Campaign>> = {
  crash: () => import('./crash.js'),
  faults: () => import('./faults.js'),
  fuzz: () => Promise.resolve(script('./fuzz.ts')),
};

const [name, ...argv] = process.argv.slice(2);
const load = name === undefined ? undefined : campaigns[name];
if (!load || argv.includes('--help') || argv.includes('-h')) {
  const help = load !== undefined || name === undefined || name === '--help' || name === '-h';
  (help ? process.stdout : process.stderr).write(`usage: npm run campaign -- <${Object.keys(campaigns).join('|')}> [options]\n${USAGE}\n`);
  process.exit(help ? 0 : 2);
}
const campaign = await load();
let code: number;
try {
  code = await campaign.run(argv);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  code = 2;
}
process.exit(code);
