/**
 * Cursors that are content hashes, as Radicale's CTag and Xandikos's CTag and sync-token are: the
 * cursor names the calendar's state (every item's id and etag), so when another client undoes a write
 * — deletes the item just created — the cursor comes back to the value it had before that write, and a
 * delta from it is computed by comparing the two states, exactly as those servers do. A client that
 * stored the cursor read before its own write is then told "unchanged": the engine must not be fooled.
 */
import { createHash } from 'node:crypto';
import { CalsyncError } from '../../errors.js';
import type { ChangeSet } from '../types.js';
import type { MemoryCalendar } from './memory-calendar.js';

/** States remembered per calendar (a real server keeps its history bounded too). */
const MAX_STATES = 1_000;

const CURSOR_RE = /^h1\.([0-9a-f]+)\.([0-9a-f]+)$/;

type State = Map<string, string>;

function stateOf(cal: MemoryCalendar): State {
  const state: State = new Map();
  for (const item of cal.all()) state.set(item.remoteId, item.etag);
  return state;
}

function hashOf(state: State): string {
  const hash = createHash('sha256');
  for (const id of [...state.keys()].sort()) hash.update(`${id}\u0000${state.get(id) ?? ''}\u0001`);
  return hash.digest('hex').slice(0, 32);
}

function invalid(cal: MemoryCalendar, reason: string): CalsyncError {
  const calendarId = cal.info.remoteId;
  return new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', `sync cursor for ${calendarId} is no longer valid: ${reason}`, { details: { calendarId, reason } });
}

export interface ContentListingParts {
  /** The complete listing, with `cursor`. */
  full(cursor: string): ChangeSet;
  /** The items of these ids as a delta (absent ids are removed), with `cursor`. */
  delta(ids: readonly string[], cursor: string): ChangeSet;
}

/** `listChanges` with content-hash cursors; the full and delta bodies are the server's usual ones. */
export function listByContent(cal: MemoryCalendar, cursor: string | null, full: boolean, parts: ContentListingParts): ChangeSet {
  const state = stateOf(cal);
  const hash = hashOf(state);
  const next = `h1.${cal.epoch}.${hash}`;
  const states = cal.contentStates;
  states.delete(hash);
  states.set(hash, state);
  while (states.size > MAX_STATES) states.delete(states.keys().next().value as string);
  if (cursor === null || full) return parts.full(next);
  const match = CURSOR_RE.exec(cursor);
  if (!match) throw invalid(cal, 'malformed');
  if (match[1] !== cal.epoch) throw invalid(cal, 'reset by the server');
  if (match[2] === hash) return { kind: 'unchanged', cursor: next };
  const before = states.get(match[2] ?? '');
  if (!before) throw invalid(cal, 'outside the change history');
  const ids = [...state].filter(([id, etag]) => before.get(id) !== etag).map(([id]) => id);
  for (const id of before.keys()) if (!state.has(id)) ids.push(id);
  return parts.delta(ids, next);
}
