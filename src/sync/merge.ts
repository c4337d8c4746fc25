/**
 * Field-level three-way merge. Each side's edits are what differs from the base (the event as both sides
 * last agreed on it). A field edited on one side takes that side's value; a field edited on both sides
 * to different values is a conflict. Without a base (two events matched on a first sync) every field
 * that differs is a conflict: there is no way to tell who changed what.
 */
import type { Attendee, CalendarEvent } from '../model/event.js';
import { classify } from '../model/priority.js';
import { MERGE_FIELDS, sameField, withField, type MergeField } from './fields.js';

export interface MergeResult {
  /** Both sides' non-conflicting edits; a conflicting field keeps the hub's value until resolved. */
  merged: CalendarEvent;
  hubChanged: MergeField[];
  remoteChanged: MergeField[];
  /** Fields changed on both sides to different values. */
  conflicts: MergeField[];
}

export function merge3(base: CalendarEvent | undefined, hub: CalendarEvent, remote: CalendarEvent): MergeResult {
  const hubChanged: MergeField[] = [];
  const remoteChanged: MergeField[] = [];
  const conflicts: MergeField[] = [];
  let merged = hub;
  for (const field of MERGE_FIELDS) {
    const h = base === undefined || !sameField(field, base, hub);
    const r = base === undefined || !sameField(field, base, remote);
    if (base !== undefined) {
      if (h) hubChanged.push(field);
      if (r) remoteChanged.push(field);
    }
    if (!r) continue; // unchanged remotely: the hub's value stands
    if (!h) {
      merged = withField(merged, field, remote);
    } else if (!sameField(field, hub, remote)) {
      conflicts.push(field);
    }
  }
  return { merged: finish(merged, hub, remote), hubChanged, remoteChanged, conflicts };
}

/** Which side a conflicting field takes. */
export type Side = 'hub' | 'remote';

/**
 * The merged event with each conflicting field taken from the named side; fields not named keep the
 * merged (hub) value. `union` combines the two values of list fields instead of picking one.
 */
export function applyChoices(result: MergeResult, hub: CalendarEvent, remote: CalendarEvent, choices: Partial<Record<MergeField, Side | 'union'>>): CalendarEvent {
  let event = result.merged;
  for (const field of result.conflicts) {
    const choice = choices[field];
    if (choice === 'remote') event = withField(event, field, remote);
    else if (choice === 'hub') event = withField(event, field, hub);
    else if (choice === 'union') event = unionField(event, field, hub, remote);
  }
  return finish(event, hub, remote);
}

/** Whether a field's two values can be combined rather than one picked (the `merge` rule). */
export function isUnionField(field: MergeField): boolean {
  return field === 'attendees' || field === 'categories' || field === 'description';
}

function unionField(event: CalendarEvent, field: MergeField, hub: CalendarEvent, remote: CalendarEvent): CalendarEvent {
  switch (field) {
    case 'categories':
      return { ...event, categories: [...new Set([...hub.categories, ...remote.categories])] };
    case 'attendees': {
      const byEmail = new Map<string, Attendee>();
      for (const a of [...hub.attendees, ...remote.attendees]) {
        const key = a.email.toLowerCase();
        if (!byEmail.has(key)) byEmail.set(key, a);
      }
      return { ...event, attendees: [...byEmail.values()] };
    }
    case 'description': {
      // Both notes are kept, the hub's first: losing a note someone typed is worse than a long note.
      const parts = [hub.description, remote.description].filter((d): d is string => d !== undefined && d !== '');
      return parts.length === 0 ? event : { ...event, description: parts.join('\n\n') };
    }
    default:
      return withField(event, field, hub);
  }
}

/**
 * Bookkeeping of a merged event: identity and wedding fields from the hub (re-inferred, as the title
 * or categories may have changed), the higher SEQUENCE, the later modification time.
 */
function finish(merged: CalendarEvent, hub: CalendarEvent, remote: CalendarEvent): CalendarEvent {
  const lastModified = [hub.lastModified, remote.lastModified].filter((t): t is string => t !== undefined).sort().at(-1);
  const out: CalendarEvent = {
    ...merged,
    uid: hub.uid,
    sequence: Math.max(hub.sequence, remote.sequence),
    wedding: classify({ title: merged.title, categories: merged.categories, wedding: hub.wedding }),
  };
  if (lastModified !== undefined) out.lastModified = lastModified;
  return out;
}

/** An event arriving from a calendar as the hub stores it: its wedding fields classified. */
export function fromRemote(remote: CalendarEvent, hubWedding?: CalendarEvent['wedding']): CalendarEvent {
  return { ...remote, wedding: classify({ title: remote.title, categories: remote.categories, ...(hubWedding ? { wedding: hubWedding } : { wedding: remote.wedding }) }) };
}
