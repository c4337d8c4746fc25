/**
 * The hot queries must be index lookups, not table scans: their cost has to follow the rows they
 * return (changes since a seq, one calendar's links), never the size of the tables. Checked with
 * SQLite's EXPLAIN QUERY PLAN on the exact SQL the repositories run.
 */
import { rmSync } from 'node:fs';
import type { Compilable } from 'kysely';
import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '../../src/store/open.js';
import { openStore } from '../../src/store/open.js';
import { tempDir } from './harness.js';

let store: SqlStore;
const dataDir = tempDir();

beforeAll(async () => {
  store = await openStore({ dataDir });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function plan(query: Compilable): Promise<string> {
  const compiled = query.compile();
  const result = await store.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
  return result.rows.map((r) => r.detail).join(' | ');
}

describe('query plans (SQLite)', () => {
  const db = () => store.db;
  // SQLite names the indexes behind UNIQUE constraints `sqlite_autoindex_…`, so the plans are
  // checked by the columns searched. No plan may SCAN a table or sort in a temporary B-tree.
  const cases: [string, () => Compilable, RegExp][] = [
    ['changedSince', () => db().selectFrom('hub_events').selectAll().where('tenant_id', '=', 't').where('seq', '>', 1).orderBy('seq').limit(10), /SEARCH hub_events USING INDEX \S+ \(tenant_id=\? AND seq>\?\)/],
    ['events by uid', () => db().selectFrom('hub_events').selectAll().where('tenant_id', '=', 't').where('uid', '=', 'u'), /SEARCH hub_events USING INDEX \S+ \(tenant_id=\? AND uid=\?\)/],
    ['events list page', () => db().selectFrom('hub_events').selectAll().where('tenant_id', '=', 't').where('id', '>', 'x').orderBy('id').limit(10), /SEARCH hub_events USING INDEX \S+ \(tenant_id=\? AND id>\?\)/],
    ['links by calendar', () => db().selectFrom('links').selectAll().where('tenant_id', '=', 't').where('calendar_id', '=', 'c').orderBy('remote_id'), /SEARCH links USING INDEX \S+ \(tenant_id=\? AND calendar_id=\?\)/],
    ['links by remote', () => db().selectFrom('links').selectAll().where('tenant_id', '=', 't').where('calendar_id', '=', 'c').where('remote_id', '=', 'r'), /SEARCH links USING INDEX \S+ \(tenant_id=\? AND calendar_id=\? AND remote_id=\?\)/],
    ['links by hub event in a calendar', () => db().selectFrom('links').selectAll().where('tenant_id', '=', 't').where('calendar_id', '=', 'c').where('hub_event_id', '=', 'h'), /SEARCH links USING INDEX \S+ \(tenant_id=\? AND calendar_id=\? AND hub_event_id=\?\)/],
    ['links of a hub event', () => db().selectFrom('links').selectAll().where('tenant_id', '=', 't').where('hub_event_id', '=', 'h'), /SEARCH links USING INDEX links_event \(tenant_id=\? AND hub_event_id=\?\)/],
    ['history', () => db().selectFrom('audit').selectAll().where('tenant_id', '=', 't').where('hub_event_id', '=', 'h').orderBy('seq'), /SEARCH audit USING INDEX \S+ \(tenant_id=\? AND hub_event_id=\?\)/],
    ['audit entry for restore', () => db().selectFrom('audit').selectAll().where('tenant_id', '=', 't').where('hub_event_id', '=', 'h').where('id', '=', 'a'), /SEARCH audit USING INDEX \S+ \(tenant_id=\? AND hub_event_id=\?\)/],
    ['due calendars (poll claim)', () => db().selectFrom('calendars').select('id').where('next_poll_at', '<=', 5).orderBy('next_poll_at').limit(500), /SEARCH calendars USING (COVERING )?INDEX calendars_next_poll \(next_poll_at<\?\)/],
    ['open conflicts', () => db().selectFrom('conflicts').selectAll().where('tenant_id', '=', 't').where('status', '=', 'open').orderBy('created_at'), /SEARCH conflicts USING INDEX conflicts_tenant_status \(tenant_id=\? AND status=\?\)/],
  ];
  for (const [name, build, expected] of cases) {
    it(`${name} is an index search`, async () => {
      const detail = await plan(build());
      expect(detail).toMatch(expected);
      expect(detail).not.toMatch(/\bSCAN\b|TEMP B-TREE/);
    });
  }
});
