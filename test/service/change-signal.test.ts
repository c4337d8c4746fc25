/**
 * Long-poll wake-ups: at once for this process's commits, by the shared poll for another process's
 * (a second store on the same database file stands for the worker process), at the wait's end, and when
 * the client goes away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeSignal } from '../../src/service/changes/change-signal.js';
import { readChanges } from '../../src/service/changes/feed.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { makeEvent } from '../support/events.js';

let dir: string;
let here: SqlStore;
let worker: SqlStore;
let signal: ChangeSignal;
let tenantId: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'calsync-signal-'));
  here = await openStore({ dataDir: dir, secretKey: '44'.repeat(32) });
  worker = await openStore({ dataDir: dir, secretKey: '44'.repeat(32) });
  tenantId = (await here.tenants.ensureDefault()).id;
  signal = new ChangeSignal(here, { pollMs: 20 });
});
afterEach(async () => {
  signal.close();
  await worker.close();
  await here.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ChangeSignal', () => {
  it('wakes a long poll for a commit of another process (by the poll), and answers with it', async () => {
    const waiting = readChanges({ store: here, signal }, tenantId, { limit: 10, waitMs: 30_000 });
    await new Promise((r) => setTimeout(r, 50));
    await worker.events.put(tenantId, { event: makeEvent({ title: 'From the worker' }), source: 'calendar:cal-1' });
    const page = await waiting;
    expect(page.changes.map((c) => [c.event.title, c.source])).toEqual([['From the worker', { kind: 'calendar', calendarId: 'cal-1' }]]);
  });

  it('answers at once when a change is there already, empty at the end of the wait, and when the client leaves', async () => {
    await here.events.put(tenantId, { event: makeEvent(), source: 'api' });
    expect((await readChanges({ store: here, signal }, tenantId, { limit: 10, waitMs: 30_000 })).changes).toHaveLength(1);
    const after = (await readChanges({ store: here, signal }, tenantId, { limit: 10 })).cursor;
    expect((await readChanges({ store: here, signal }, tenantId, { cursor: after, limit: 10, waitMs: 50 })).changes).toEqual([]);
    const gone = new AbortController();
    const waiting = readChanges({ store: here, signal }, tenantId, { cursor: after, limit: 10, waitMs: 30_000, signal: gone.signal });
    gone.abort();
    expect((await waiting).changes).toEqual([]);
    // Closing wakes every waiter (the server's shutdown does not wait for long polls).
    const held = readChanges({ store: here, signal }, tenantId, { cursor: after, limit: 10, waitMs: 30_000 });
    await new Promise((r) => setTimeout(r, 20));
    signal.close();
    expect((await held).changes).toEqual([]);
  });
});
