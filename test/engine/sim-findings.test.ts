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
import type { Mask, Schedule } from './sim/schedule.js';

let shared: SharedStore;
beforeAll(async () => {
  shared = await sharedStore();
});
afterAll(async () => {
  await shared.close();
});

/** The violations of a schedule (all kinds), with the schedule as played when there are any. */
async function check(schedule: Omit<Schedule, 'injections' | 'picks'> & Partial<Schedule>, masks: Mask[] = []): Promise<string> {
  const full: Schedule = { injections: [], picks: [], ...schedule };
  const outcome = await play(shared, full, new Set(masks));
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

describe('simulation findings beyond the eight', () => {
  it('finding 7: two syncs of one calendar at once (a lost lease) do not pull a stale listing over a newer base', async () => {
    // w1 lists first (Venue 1); the user moves it on (Venue 2) before w0 lists; w0 pulls Venue 2 and
    // saves base and cursor; then w1 goes on with its older listing.
    const report = await check({
      steps: [{ before: [{ who: 'caldav', op: 'locate', n: 2, value: 1 }], a: 'caldav', b: 'caldav' }],
      picks: [1, 0, 0, 0, 0, 0, 0, 0],
      triggers: [{ point: 'caldav sync-collection/send', nth: 2, what: { kind: 'user', action: { who: 'caldav', op: 'locate', n: 2, value: 2 } } }],
    });
    expect(report).toBe('');
  });

  it('finding 3 without reused tokens: a deletion after our own create is seen (the saved cursor predates the create)', async () => {
    const report = await check({ steps: [{ before: [{ who: 'caldav', op: 'delete', n: 3 }], a: 'caldav' }] }, [30]);
    expect(report).toBe('');
  });

  it('finding 1 on create: an Outlook cancellation between our POST and its read-back reaches the hub', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'caldav', op: 'create', recurring: true }], a: 'caldav' },
        { before: [], a: 'graph' },
      ],
      triggers: [{ point: 'graph POST/reply', what: { kind: 'user', action: { who: 'graph', op: 'cancel', n: 2, k: 0 } } }],
    });
    expect(report).toBe('');
  });

  it('finding 6 without a crash: a merge whose hub write loses to a hub edit does not leave our calendar write looking foreign', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'move', n: 2, value: 0 }, { who: 'graph', op: 'retitle', n: 2, value: 0 }], a: 'graph' },
        { before: [], a: 'graph' },
      ],
      triggers: [{ point: 'graph PATCH/send', what: { kind: 'user', action: { who: 'hub', op: 'move', n: 2, value: 3 } } }],
    });
    expect(report).toBe('');
  });

  it('finding 6 on a pull: a crash between the hub write and the link update does not make the next calendar edit a conflict', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'graph', op: 'retitle', n: 2, value: 0 }], a: 'graph' },
        { before: [{ who: 'graph', op: 'retitle', n: 2, value: 1 }], a: 'graph' },
      ],
      triggers: [{ point: 'store links.update/store', what: { kind: 'crash' } }],
    });
    expect(report).toBe('');
  });

  it('finding 6 as a silent revert: after a lost PATCH response, a hub edit back to the base value is not overwritten by our own stale write', async () => {
    // The hub moves sim-1 to 08:00; the PATCH lands but its answer is lost (link not updated); the hub
    // user moves it back to 10:00, the link's base value. Outlook's copy (08:00, our write) then looks
    // like an Outlook edit of an untouched field and is pulled into the hub.
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'move', n: 1, value: 0 }], a: 'graph' },
        { before: [{ who: 'hub', op: 'move', n: 1, value: 2 }], a: 'graph' },
      ],
      triggers: [{ point: 'graph PATCH/reply', what: { kind: 'fault', fault: 'reset' } }],
    });
    expect(report).toBe('');
  });

  it('a deletion between our create and its read-back is a deletion, not a lost create to repeat (CalDAV)', async () => {
    // Found at seed 1 (run 275): the iPhone user deletes the event our PUT just created before the GET
    // of the stored copy; the create failed with no link, and the next sync created it again.
    const report = await check({
      steps: [{ before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav' }],
      triggers: [{ point: 'caldav PUT create/reply', what: { kind: 'user', action: { who: 'caldav', op: 'delete', n: 4 } } }],
    });
    expect(report).toBe('');
  });

  it('a deletion between our create and its read-back is a deletion, not a lost create to repeat (Graph)', async () => {
    const report = await check({
      steps: [{ before: [{ who: 'hub', op: 'create', recurring: false }], a: 'graph' }],
      triggers: [{ point: 'graph POST/reply', what: { kind: 'user', action: { who: 'graph', op: 'delete', n: 4 } } }],
    });
    expect(report).toBe('');
  });

  it('a create whose read-back failed (429) is linked to what we wrote, so a deletion right after it is seen', async () => {
    // Found at seed 3 (run 171): the POST landed, its read-back was throttled, the create failed with no
    // link; Outlook's user deleted the new event and the next sync created it again.
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'graph' },
        { before: [{ who: 'graph', op: 'delete', n: 4 }], a: 'graph' },
      ],
      triggers: [{ point: 'graph GET read-back/send', what: { kind: 'fault', fault: 'throttled' } }],
    });
    expect(report).toBe('');
  });

  it('finding 6 under a third-party edit: a calendar edit on top of our landed write does not turn that write into a conflict', async () => {
    // Found at seed 1 (run 141): our PUT lands but the worker crashes before the link save; the iPhone
    // user then edits another field, so the calendar's copy equals neither the base nor the write intent.
    // The fields where it equals the intent are our write, not the calendar's edit.
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 5 }], a: 'caldav' },
        { before: [{ who: 'caldav', op: 'locate', n: 1, value: 7 }, { who: 'hub', op: 'describe', n: 1, value: 6 }], a: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT/reply', what: { kind: 'crash' } }],
    });
    expect(report).toBe('');
  });

  it('finding 2 by another road: an event restored from CalDAV over an Outlook cancellation settles', async () => {
    const report = await check({
      steps: [
        { before: [{ who: 'graph', op: 'cancel', n: 0, k: 0 }], a: 'graph' },
        { before: [{ who: 'hub', op: 'delete', n: 0 }, { who: 'caldav', op: 'locate', n: 0, value: 0 }], a: 'caldav' },
      ],
    });
    expect(report).toBe('');
  });
  it('a claim taken from a state read before a concurrent save keeps that save\'s written items (a deletion after our create is seen)', async () => {
    // Two syncs of the caldav calendar: the second reads the state, then waits while the first creates
    // the new hub event (deleted there before its read-back) and saves, with an unchanged listing, the
    // same cursor and the created item in `written`. The second's claim must not write back the state
    // it read before that save (the cursor compare-and-set alone let it, dropping `written`).
    const report = await check({
      steps: [
        { before: [], a: 'caldav' },
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav', b: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT create/reply', what: { kind: 'user', action: { who: 'caldav', op: 'delete', n: 4 } } }],
    });
    expect(report).toBe('');
  });

  it('a second sync taking the calendar does not undo the create intent of a create whose reply was lost (no conflict with the hub edit after it)', async () => {
    // Found at seed 20261207 (run 1171 of 10,000): two syncs of the CalDAV calendar at once; w0's PUT
    // of the new hub event lands but its reply is lost; w1's listing is throttled. The hub user then
    // edits the description; the next sync met our own create with no link and called it a conflict.
    // Cause: w1 read the sync state before w0 saved the create's intent (`WrittenItem.sent`) and its
    // claim wrote that older state back whole (compare-and-set on the unchanged cursor only).
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav', b: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 4, value: 0 }], a: 'caldav' },
        { before: [], a: 'caldav', b: 'graph' },
      ],
      triggers: [
        { point: 'caldav PUT create/reply', what: { kind: 'fault', fault: 'reset' } },
        { point: 'caldav sync-collection/send', nth: 2, what: { kind: 'fault', fault: 'throttled' } },
      ],
    });
    expect(report).toBe('');
  });
  it('a second sync recording its failure does not undo the create intent another sync saved meanwhile', async () => {
    // The same loss by another road: w1 claims first, w0 claims after it; w1's listing is throttled and
    // it reads the sync state to record the failure; w0 saves its create's intent, the PUT lands with
    // its reply lost, w0 saves; then w1 wrote back the state it had read.
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }], a: 'caldav', b: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 4, value: 0 }], a: 'caldav' },
      ],
      picks: [1, 0, 1],
      triggers: [
        { point: 'caldav sync-collection/send', nth: 1, what: { kind: 'fault', fault: 'throttled' } },
        { point: 'caldav PUT create/reply', what: { kind: 'fault', fault: 'reset' } },
      ],
    });
    expect(report).toBe('');
  });
});

describe('simulation findings of the 10,000-run campaign', () => {
  it('a field conflict resolved after the event was deleted elsewhere does not bring it back without a deletion conflict', async () => {
    // Found at seed 20261207 (run 399): Outlook cancels occurrences of sim-3 while the iPhone user
    // deletes it; the hub restores the occurrences, so Outlook's sync records a recurrence conflict.
    // CalDAV's sync then deletes sim-3 in the hub. Resolving the (stale) recurrence conflict with
    // "merge" re-planned the item as delete vs edit and applied "merge" to it: the event came back
    // everywhere, the deletion silently undone, the conflict closed as a field conflict.
    const report = await check({
      steps: [
        { before: [{ who: 'graph', op: 'cancel', n: 1, k: 0 }], a: 'graph', b: 'graph' },
        { before: [{ who: 'hub', op: 'uncancel', n: 0 }], a: 'graph' },
        { before: [], a: 'caldav', b: 'caldav' },
      ],
      injections: [
        { at: 2, what: { kind: 'user', action: { who: 'graph', op: 'cancel', n: 7, k: 1 } } },
        { at: 0, what: { kind: 'user', action: { who: 'caldav', op: 'delete', n: 3 } } },
      ],
    });
    expect(report).toBe('');
  });
});

describe('simulation findings of the second 10,000-run campaign (seed 20261207)', () => {
  it('an event re-created after a lost create answer and a deletion nobody could see carries a deletion conflict', async () => {
    // Run 1000: the PUT of sim-4 lands but its answer is lost; the iPhone user deletes it before any
    // sync lists it. The next listing cannot tell "never landed" from "landed, then deleted": calsync
    // creates it again (the safe side) and records why, as a settled edit-vs-delete conflict.
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }, { who: 'hub', op: 'create', recurring: false }], a: 'caldav', b: 'graph' },
        { before: [{ who: 'caldav', op: 'delete', n: 4 }], a: 'caldav' },
        { before: [], a: 'caldav', b: 'caldav' },
      ],
      triggers: [{ point: 'caldav PUT create/reply', what: { kind: 'fault', fault: 'reset' } }],
    });
    expect(report).toBe('');
  });

  it('an event re-created after a crash mid-export and a deletion nobody could see carries a deletion conflict', async () => {
    // Run 1000 (after the fix above): sim-4's PUT lands, the worker dies before the link is saved, the
    // iPhone user deletes it. The run's create intents were saved before it executed (`pending`) and
    // never completed: the next sync cannot know which creates were sent, so a re-create is on record.
    const report = await check({
      steps: [
        { before: [{ who: 'hub', op: 'create', recurring: false }, { who: 'hub', op: 'create', recurring: false }], a: 'graph', b: 'caldav' },
        { before: [{ who: 'caldav', op: 'delete', n: 4 }], a: 'caldav' },
        { before: [], a: 'caldav', b: 'caldav' },
      ],
      injections: [
        { at: 4, what: { kind: 'fault', fault: 'throttled' } },
        { at: 17, what: { kind: 'crash' } },
      ],
    });
    expect(report).toBe('');
  });

  it('a lost answer to the UID lookup before an Outlook create is no doubt about the create', async () => {
    // Run 342: the GET $filter that precedes our POST loses its answer; nothing was posted, so the
    // next create is a plain one, not a repeat on record (the record was a conflict nobody made).
    const report = await check({
      steps: [
        { before: [{ who: 'graph', op: 'create', recurring: false }], a: 'graph', b: 'caldav' },
        { before: [], a: 'graph' },
        { before: [{ who: 'hub', op: 'move', n: 0, value: 0 }, { who: 'hub', op: 'create', recurring: false }], a: 'graph', b: 'graph' },
      ],
      injections: [
        { at: 2, what: { kind: 'user', action: { who: 'graph', op: 'create', recurring: false } } },
        { at: 24, what: { kind: 'fault', fault: 'reset' } },
        { at: 38, what: { kind: 'fault', fault: 'throttled' } },
      ],
    });
    expect(report).toBe('');
  });

  it('an Outlook PATCH whose read-back answer is lost links what it wrote instead of raising a conflict on it', async () => {
    // Run 9243: our PATCH of sim-1 lands, the GET that reads it back loses its answer; the link kept the
    // old base, and the next sync met Outlook's copy of our own write as an edit of the description the
    // hub had edited again meanwhile — a conflict nobody made. Now the link keeps what was written
    // (unproven etag) and the next sync re-reads it.
    const report = await check({
      steps: [
        { before: [], a: 'caldav', b: 'caldav' },
        { before: [{ who: 'hub', op: 'describe', n: 0, value: 0 }, { who: 'hub', op: 'move', n: 6, value: 0 }], a: 'caldav', b: 'graph' },
        { before: [{ who: 'hub', op: 'describe', n: 1, value: 0 }], a: 'graph' },
      ],
      picks: [3],
      injections: [
        { at: 10, what: { kind: 'user', action: { who: 'hub', op: 'describe', n: 1, value: 1 } } },
        { at: 41, what: { kind: 'fault', fault: 'reset' } },
        { at: 47, what: { kind: 'fault', fault: 'throttled' } },
      ],
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

  it('a deletion after our own create is seen when the server keeps tombstones (its delta names the item)', async () => {
    const report = await check({ steps: [{ before: [{ who: 'caldav', op: 'delete', n: 3 }], a: 'caldav' }] }, [3]);
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
