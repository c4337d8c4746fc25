import { defineConfig } from 'vitest/config';

/**
 * Two projects (`npm run test:unit`, `npm run test:integration`; `npm test` runs both with coverage):
 * - integration: tests that start real peers or processes — Radicale/Xandikos (`*.integration.test.ts`),
 *   PostgreSQL, Redis, child processes (`calsync serve`/`worker`, multi-process SQLite), Chromium — and
 *   the long in-process runs: Outlook end to end (Graph emulator over HTTPS, live workers), the
 *   simulation's seeded schedules, the fuzz smoke;
 * - unit: everything else (in-process: SQLite in memory or in a temp file, the Graph emulator, the
 *   in-memory provider, fake clocks), in seconds.
 */
const INTEGRATION = [
  'test/**/*.integration.test.ts',
  'test/twoproc/**/*.test.ts',
  'test/service/poll-schedule-redis.test.ts',
  'test/net/shared-politeness.test.ts',
  'test/browser/**/*.test.ts',
  'test/cli/serve.test.ts',
  'test/cli/serve-inprocess.test.ts',
  'test/engine/postgres.test.ts',
  'test/net/http-fetch.test.ts',
  'test/queue/bullmq.test.ts',
  'test/queue/lease-lost-sync.test.ts',
  'test/queue/open.test.ts',
  'test/queue/redis-mutex.test.ts',
  'test/queue/sqlite-processes.test.ts',
  'test/server/edge-security.test.ts',
  'test/status/bus.test.ts',
  'test/store/open.test.ts',
  'test/store/postgres.test.ts',
  'test/queue/sql-postgres.test.ts',
  'test/outlook/**/*.test.ts',
  'test/engine/sim.test.ts',
  'test/server/fuzz-smoke.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites that start servers (Radicale, Xandikos, PostgreSQL databases, Redis prefixes) isolate
    // themselves by port / database name / key prefix, so files can run in parallel.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    setupFiles: ['./test/support/fast-check-seed.ts'],
    projects: [
      // Unit files share their workers' module cache (isolate: false): importing src/ per file was most of
      // the run; every unit test opens its own store, clock and servers, so no state crosses files.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION, isolate: false } },
      { extends: true, test: { name: 'integration', include: INTEGRATION, globalSetup: ['test/support/build-dist.ts'] } },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts', 'src/server/dashboard/assets/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 90 },
    },
  },
});
