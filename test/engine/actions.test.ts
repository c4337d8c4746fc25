import { describe, expect, it } from 'vitest';
import { describe as describeAction, isDeletion, type SyncAction } from '../../src/sync/actions.js';
import { countActions } from '../../src/sync/report.js';
import { makeEvent } from '../support/events.js';
import { hubOf, linkOf, remoteOf } from './items.js';

const e = makeEvent({ title: 'A very long title that goes on and on to be cut for the dry-run output lines' });
const hub = hubOf(e);
const remote = remoteOf(e);
const link = linkOf(e);
const draft = { calendarId: 'c1', hubEventId: 'h1', type: 'field' as const, fields: ['title'] };
const all: SyncAction[] = [
  { type: 'createRemote', hub },
  { type: 'createHub', remote, event: e },
  { type: 'link', hub, remote },
  { type: 'pushToRemote', hub, remote, event: e },
  { type: 'pullToHub', hub, remote, event: e },
  { type: 'pullToHub', hub: { ...hub, deletedAt: 'x' }, remote, event: e },
  { type: 'mergeBoth', hub, remote, event: e },
  { type: 'deleteRemote', remote, hubEventId: 'h1', title: e.title },
  { type: 'deleteHub', hub, link },
  { type: 'unlink', link, reason: 'gone' },
  { type: 'refreshLink', link, remote, echo: true },
  { type: 'refreshLink', link, remote, echo: false },
  { type: 'recordConflict', conflict: draft, reason: 'manual' },
  { type: 'closeConflict', conflict: draft, resolution: { take: 'wedsync', by: 'user' } },
];

describe('actions', () => {
  it('describes every action on one line, naming the event', () => {
    const lines = all.map(describeAction);
    expect(new Set(lines).size).toBe(all.length);
    for (const line of lines) expect(line).not.toContain('\n');
    expect(lines[0]).toContain('...');
    expect(lines[5]).toMatch(/^restore in hub/);
    expect(lines[10]).toMatch(/^skip echo/);
  });
  it('counts what each side got', () => {
    expect(countActions(all)).toEqual({
      hub: { created: 1, updated: 3, deleted: 1 },
      remote: { created: 1, updated: 2, deleted: 1 },
      linked: 1,
      unlinked: 1,
      echoes: 1,
      conflicts: { recorded: 1, resolved: 1 },
    });
    expect(all.filter(isDeletion).length).toBe(2);
  });
});
