/**
 * Issue 9, finding 6 on a create: the calendar item was created (stamped with our hub id) but its link
 * was never saved (a crash after the request, or a lost response). The next sync finds the hub event
 * unlinked and the calendar item matched by our hub id; it must merge them against what our create sent
 * — hub edits pushed, calendar edits pulled — never raise a conflict nobody made.
 * The world starts with four linked events (sim-0…sim-3); the hub's new event is the fifth (n = 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedStore, type SharedStore } from './harness.js';
import { describeSchedule, play } from './sim/property.js';
import type { Schedule } from './sim/schedule.js';

let shared: SharedStore;
beforeAll(async () => {
  shared = await sharedStore();
});
afterAll(async () => {
  await shared.close();
});

async function check(schedule: Omit<Schedule, 'injections' | 'picks'> & Partial<Schedule>): Promise<string> {
  const full: Schedule = { injections: [], picks: [], ...schedule };
  const outcome = await play(shared, full, new Set());
  return outcome.violations.length === 0 ? '' : `${outcome.violations.join('\n')}\n${describeSchedule(full, outcome.trace)}`;
}

describe('a create whose link was never saved', () => {
  it('CalDAV, crash after the PUT: a hub edit made afterwards is pushed, not a conflict', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 4, value: 5 }], a: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT create/reply', what: { kind: 'crash' } }],
    });
    expect(report).toBe('');
  });

  it('CalDAV, crash after the PUT: the calendar user edit made afterwards is pulled, not a conflict', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav' },
        { before: [{ who: 'caldav', op: 'locate', n: 4, value: 1 }], a: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT create/reply', what: { kind: 'crash' } }],
    });
    expect(report).toBe('');
  });

  it('CalDAV, lost response of the PUT: hub and calendar both edit afterwards, different fields merge', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 4, value: 5 }, { who: 'caldav', op: 'locate', n: 4, value: 1 }], a: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT create/reply', what: { kind: 'fault', fault: 'reset' } }],
    });
    expect(report).toBe('');
  });

  it('Outlook, crash after the POST: hub and Outlook both edit afterwards, different fields merge', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'graph' },
        { before: [{ who: 'hub', op: 'move', n: 4, value: 2 }, { who: 'graph', op: 'retitle', n: 4, value: 1 }], a: 'graph' },
      ],
      triggers: [{ point: 'graph POST/reply', what: { kind: 'crash' } }],
    });
    expect(report).toBe('');
  });
});
