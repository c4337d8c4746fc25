#!/usr/bin/env node
// The `calsync` command: runs the compiled CLI (dist/, built by `npm ci` / `npm run build`).
// `#!/usr/bin/env node` finds node_modules/.bin/node (Node 24) first under `npx` and npm scripts.
import { main } from '../dist/cli/main.js';

const code = await main();
if (code !== 0) process.exitCode = code;
