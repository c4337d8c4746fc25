/**
 * The invariants, checked item by item across the hub and both calendars once the world is quiet.
 * Each violation names its kind (the first word), so failures can be grouped:
 * - `lost`: an event nobody deleted is missing somewhere;
 * - `duplicated`: a UID twice in one place;
 * - `phantom`: an event nobody created;
 * - `resurrected`: an event a user deleted is back without an edit-vs-delete conflict;
 * - `diverged`: hub and a calendar disagree after quiescence;
 * - `reverted <field>`: an owner's last write of a field is not the final value and no conflict was recorded;
 * - `spurious-conflict <type>`: a conflict between writers that never touched the same field or item;
 * - `uncancelled`: an occurrence Outlook cancelled is back (and nobody restored it);
 * - `loop`: quiescence never came (the same items written round after round);
 * - `cursor-ahead`: a full listing finds a change the incremental syncs never saw;
 * - `open-conflict`: a conflict still open after quiescence resolved every one it saw.
 */
import type { CalendarEvent, HubEvent } from '../../../src/model/event.js';
import type { ConflictRecord } from '../../../src/store/types.js';
import { MERGE_FIELDS, sameField } from '../../../src/sync/fields.js';
import { sameTime, type Expected } from './oracle.js';
import type { CalName } from './schedule.js';
import type { QuietResult, SimWorld } from './world.js';

const CALS: readonly CalName[] = ['caldav', 'graph'];
const DELETION_CONFLICTS = new Set(['edit_delete', 'delete_edit', 'wedding_critical']);

function differing(a: CalendarEvent, b: CalendarEvent): string[] {
  return MERGE_FIELDS.filter((f) => !sameField(f, a, b));
}

/** Owned fields whose final value is not the owner's last write: `[field, explanation]`. */
function ownedValues(e: Expected, event: CalendarEvent): [string, string][] {
  const out: [string, string][] = [];
  if (event.title !== e.title) out.push(['title', `is "${event.title}", Outlook's user wrote "${e.title}"`]);
  if ((event.location ?? '') !== e.location) out.push(['location', `is "${event.location ?? ''}", the CalDAV user wrote "${e.location}"`]);
  if ((event.description ?? '') !== e.description) out.push(['description', `is ${JSON.stringify(event.description ?? '')}, the hub user wrote "${e.description}"`]);
  if (!sameTime(event.start, e.start)) out.push(['start', `is ${JSON.stringify(event.start)}, the hub user wrote ${JSON.stringify(e.start)}`]);
  return out;
}

export async function violations(world: SimWorld, quiet: QuietResult): Promise<string[]> {
  const out: string[] = [];
  const { store, tenantId, oracle } = world;
  if (quiet.loop) out.push(`loop: no quiescence after ${quiet.rounds} rounds (${quiet.loop})`);

  const hubAll = await store.events.list(tenantId, { includeDeleted: true });
  const hubLive = hubAll.filter((e) => e.deletedAt === undefined);
  const conflicts = await store.conflicts.list(tenantId);
  const conflictsOf = (hub: HubEvent | undefined): ConflictRecord[] => (hub ? conflicts.filter((c) => c.hubEventId === hub.id) : []);
  for (const c of conflicts.filter((x) => x.status === 'open')) out.push(`open-conflict: ${c.type} on ${c.hub?.uid ?? c.base?.uid ?? c.hubEventId} (${c.fields.join(',')})`);

  const hubByUid = new Map<string, HubEvent>();
  for (const e of hubLive) {
    if (hubByUid.has(e.event.uid)) out.push(`duplicated: ${e.event.uid} twice in the hub`);
    hubByUid.set(e.event.uid, e);
  }
  const calByUid: Record<CalName, Map<string, CalendarEvent>> = { caldav: new Map(), graph: new Map() };
  for (const cal of CALS) {
    for (const item of world.models[cal].list()) {
      if (calByUid[cal].has(item.event.uid)) out.push(`duplicated: ${item.event.uid} twice in ${cal}`);
      calByUid[cal].set(item.event.uid, item.event);
    }
  }
  const everywhere = new Set([...hubByUid.keys(), ...calByUid.caldav.keys(), ...calByUid.graph.keys()]);
  for (const uid of everywhere) if (!oracle.get(uid)) out.push(`phantom: ${uid} exists but nobody created it`);

  for (const e of oracle.events.values()) {
    const hub = hubByUid.get(e.uid) ?? hubAll.find((h) => h.event.uid === e.uid);
    const live = hubByUid.get(e.uid);
    const its = conflictsOf(hub);
    const places = { hub: live?.event, caldav: calByUid.caldav.get(e.uid), graph: calByUid.graph.get(e.uid) };
    const present = Object.entries(places).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (e.deletedBy.length === 0) {
      for (const [where, v] of Object.entries(places)) if (!v) out.push(`lost: ${e.uid} (created by ${e.createdBy}, never deleted) is missing in ${where}`);
    } else if (present.length > 0) {
      const contested = its.some((c) => DELETION_CONFLICTS.has(c.type));
      if (!contested) out.push(`resurrected: ${e.uid} deleted by ${e.deletedBy.join('+')} is still in ${present.join(', ')} with no edit-vs-delete conflict`);
    }
    // Every side the same.
    if (live) {
      for (const cal of CALS) {
        const copy = places[cal];
        if (copy) {
          const diff = differing(live.event, copy);
          if (diff.length > 0) out.push(`diverged: ${e.uid} differs between hub and ${cal} in ${diff.join(',')}`);
        }
      }
    }
    if (e.deletedBy.length > 0 || !live) continue;
    // Never deleted: every owner's last write stands, and nothing raised a conflict.
    const wrong = ownedValues(e, live.event);
    if (its.length === 0) for (const [field, why] of wrong) out.push(`reverted ${field}: ${e.uid} ${field} ${why}, no conflict recorded`);
    for (const c of its) {
      // A create repeated without knowing whether the first landed (its answer lost, or its run died)
      // leaves a record of the doubt (plan.ts `createAgain`: edit vs delete with no link, base or
      // calendar copy), closed by the sync — or answered by a user when a crash left it open. Not a
      // conflict between writers, as long as nothing was changed by it.
      const doubt = c.type === 'edit_delete' && c.linkId === undefined && c.base === undefined && c.remote === undefined;
      if (doubt && wrong.length === 0) continue;
      const onlyContested = e.contested && c.type === 'field' && c.fields.every((f) => f === 'recurrence');
      const after = wrong.length > 0 ? `; after its resolution (${c.resolution?.take ?? 'open'}) ${wrong.map(([f, why]) => `${f} ${why}`).join('; ')}` : '';
      if (!onlyContested) out.push(`spurious-conflict ${c.type}: on ${e.uid} (${c.fields.join(',')}) in ${c.calendarId === world.calendars.caldav.id ? 'caldav' : 'graph'}, though no two users wrote the same field or item${after}`);
    }
    if (!e.contested) {
      const exdates = live.event.recurrence?.exdates ?? [];
      for (const d of e.cancelled) if (!exdates.some((x) => sameTime(x, d))) out.push(`uncancelled: ${e.uid} occurrence ${JSON.stringify(d)} cancelled in Outlook is back in the hub`);
    }
  }

  // Cursors: a full listing must find nothing the incremental syncs did not.
  if (!quiet.loop) {
    for (const cal of CALS) {
      try {
        const r = await world.sync(cal, 0, { full: true, dryRun: true });
        if (r.plan.length > 0) out.push(`cursor-ahead: a full listing of ${cal} plans ${r.plan.join('; ')} after incremental syncs were quiet`);
      } catch (err) {
        out.push(`cursor-ahead: the full listing of ${cal} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return out;
}

/** A violation's kind: its first word. */
export function kindOf(violation: string): string {
  return violation.slice(0, violation.indexOf(':'));
}
