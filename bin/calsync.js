#!/usr/bin/env node
// The `calsync` command: runs the compiled CLI (dist/, built by `npm ci` / `npm run build`).
// `#!/usr/bin/env node` finds node_modules/.bin/node (Node 24, see scripts/install/postinstall.mjs)
// first under `npx` and npm scripts. package.json has no `engines`: npm would check it against the Node
// that runs npm (older on purpose on these machines) and warn at every `npm run`; the check is here.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `calsync needs Node.js 24 or newer, this is ${process.version}: run it through npm (npx calsync, npm start) after \`npm ci\`, which provides Node 24, or install Node 24 LTS\n`,
  );
  process.exit(1);
}
const { main } = await import('../dist/cli/main.js');
const code = await main();
if (code !== 0) process.exitCode = code;
