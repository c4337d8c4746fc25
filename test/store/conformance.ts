/**
 * The store conformance suite: one set of tests, run against every backend
 * (`sqlite.test.ts`, `postgres.test.ts`). A backend passes when it behaves identically.
 */
import { describe } from 'vitest';
import type { StoreBackend } from './harness.js';
import { conflictTests } from './suites/conflicts.js';
import { contractTests } from './suites/contract.js';
import { hubEventTests } from './suites/events.js';
import { integrationAndCalendarTests } from './suites/integrations-calendars.js';
import { lifecycleTests } from './suites/lifecycle.js';
import { linkAndSyncStateTests } from './suites/links-sync.js';
import { outboxTests } from './suites/outbox.js';
import { pollScheduleTests } from './suites/poll-schedule.js';
import { tenantAndApiKeyTests } from './suites/tenants-keys.js';

export function storeConformance(backend: StoreBackend): void {
  describe(`store conformance [${backend.name}]`, () => {
    tenantAndApiKeyTests(backend);
    integrationAndCalendarTests(backend);
    hubEventTests(backend);
    linkAndSyncStateTests(backend);
    conflictTests(backend);
    lifecycleTests(backend);
    outboxTests(backend);
    pollScheduleTests(backend);
    contractTests(backend);
  });
}
