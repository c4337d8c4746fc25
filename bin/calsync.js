#!/usr/bin/env node
// Launcher: registers tsx's loader in this process and runs the TypeScript CLI, so `npx calsync …`
// works on a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
