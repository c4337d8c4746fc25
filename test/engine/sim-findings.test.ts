/**
 * The simulation's findings as named, hand-written schedules (issue 9). Each plays a schedule against
 * the provider models, brings the world to quiescence and checks the invariants; each failed on the
 * code the simulation was built on. The world starts with four linked events, sorted by UID:
 * sim-0@hub (a weekly series), sim-1@hub, sim-2@caldav, sim-3@graph (a weekly series).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedStore, type SharedStore } from './harness.js';
import { kindOf } from './sim/invariants.js';
import { describeSchedule, play } from './sim/property.js';
import type { Schedule } from './sim/schedule.js';

let shared: SharedStore;
beforeAll(async () => {
  shared = await sharedStore();
});
afterAll(async () => {
  await shared.close();
});

/** The violations of a schedule (all kinds), with the schedule as played when there are any. */
async function check(schedule: Omit<Schedule, 'injections' | 'picks'> & Partial<Schedule>): Promise<string> {
  const full: Schedule = { injections: [], picks: [], ...schedule };
  const outcome = await play(shared, full);
  return outcome.violations.length === 0 ? '' : `${outcome.violations.join('\n')}\n${describeSchedule(full, outcome.trace)}`;
}

describe('simulation findings', () => {
  it('finding 1 (Graph): an Outlook title edit between our PATCH and its read-back is not reverted', async () => {
    const report = await check({
      steps: [{ before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'graph' }],
      triggers: [{ point: 'graph PATCH/reply', what: { kind: 'user', action: { who: 'graph', op: 'retitle', n: 1, value: 7 } } }],
    });
    expect(report).toBe('');
  });

  it('finding 1 (CalDAV): a location edit between our PUT and the GET of the stored copy is not reverted', async () => {
    const report = await check({
      steps: [{ before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'caldav' }],
      triggers: [{ point: 'caldav PUT/reply', what: { kind: 'user', action: { who: 'caldav', op: 'locate', n: 1, value: 7 } } }],
    });
    expect(report).toBe('');
  });

  it('finding 2: a hub write that restores an occurrence Outlook cancelled settles instead of looping', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'graph', op: 'cancel', n: 0, k: 0 }], a: 'graph' },
        { before: [{ who: 'hub', op: 'uncancel', n: 0 }], a: 'caldav' },
      ],
    });
    expect(report.split('\n').filter((v) => kindOf(v) === 'loop')).toEqual([]);
    expect(report).toBe('');
  });

  it('finding 3: a deletion right after our own create is seen although the sync-token returned to the saved value', async () => {
    // The setup's last CalDAV sync created sim-3 there (its cursor was read before that PUT).
    const report = await check({ steps: [{ before: [{ who: 'caldav', op: 'delete', n: 3 }], a: 'caldav' }] });
    expect(report).toBe('');
  });

  it('finding 6: a crash after a PUT applied does not turn our own write into a conflict', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 6 }], a: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT/reply', what: { kind: 'crash' } }],
    });
    expect(report).toBe('');
  });

  it('finding 6: a response lost after the PUT applied does not turn our own write into a conflict', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 6 }], a: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT/reply', what: { kind: 'fault', fault: 'reset' } }],
    });
    expect(report).toBe('');
  });
});

describe('simulation controls (what the code already gets right)', () => {
  it('a location edit that lands before our PUT makes it fail (412), is re-planned and stands', async () => {
    const report = await check({
      steps: [{ before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'caldav' }],
      triggers: [{ point: 'caldav PUT/send', what: { kind: 'user', action: { who: 'caldav', op: 'locate', n: 1, value: 7 } } }],
    });
    expect(report).toBe('');
  });

  it('a 429 and a reset before the write are retried by the next sync', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'graph' },
        { before: [], a: 'caldav', b: 'graph' },
      ],
      triggers: [
        { point: 'graph PATCH/send', what: { kind: 'fault', fault: 'throttled' } },
        { point: 'caldav PUT/send', what: { kind: 'fault', fault: 'reset' } },
      ],
    });
    expect(report).toBe('');
  });
});
