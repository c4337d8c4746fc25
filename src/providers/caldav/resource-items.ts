/**
 * CalDAV resources ⇄ provider items. One resource holds one UID: the master and its RECURRENCE-ID
 * overrides (or overrides only), as RFC 4791 §4.1 requires and as iCloud stores them. A resource that
 * cannot be read becomes an `ItemProblem` naming it, so one bad item never stops a listing (#16).
 */
import { isCalsyncError } from '../../errors.js';
import { parseIcal, type IcalProblemCode } from '../../ical/index.js';
import type { ItemProblem, RemoteItem } from '../types.js';
import type { ItemData } from './calendar-collection.js';

/** Codec findings that describe legal data (a resource with overrides only) rather than a problem. */
const BENIGN: ReadonlySet<IcalProblemCode> = new Set<IcalProblemCode>(['MASTERLESS']);

export interface ReadResult {
  items: RemoteItem[];
  problems: ItemProblem[];
}

/** Reads one resource. Resources with no VEVENT at all (a VTODO in a mixed collection) are skipped. */
export function readResource(resource: ItemData, out: ReadResult): void {
  if (resource.data === undefined) return;
  let parsed: ReturnType<typeof parseIcal>;
  try {
    parsed = parseIcal(resource.data);
  } catch (err) {
    out.problems.push({
      remoteId: resource.href,
      code: isCalsyncError(err) ? err.code : 'ICAL_PARSE',
      message: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  const [first, ...others] = parsed.items;
  if (!first) return;
  if (others.length > 0) {
    // Writing such a resource back would drop the other UIDs, so it is reported, not synced.
    out.problems.push({
      remoteId: resource.href,
      code: 'MULTIPLE_UIDS',
      message: `resource holds ${parsed.items.length} UIDs (${parsed.items.map((i) => i.uid).join(', ')}); one is expected`,
    });
    return;
  }
  for (const problem of [...parsed.problems, ...first.problems]) {
    if (!BENIGN.has(problem.code)) out.problems.push({ remoteId: resource.href, code: problem.code, message: problem.message });
  }
  out.items.push({
    remoteId: resource.href,
    etag: resource.etag,
    event: first.event,
    ...(first.hubId === undefined ? {} : { hubId: first.hubId }),
  });
}

export function readResources(resources: readonly ItemData[]): ReadResult {
  const out: ReadResult = { items: [], problems: [] };
  for (const resource of resources) readResource(resource, out);
  return out;
}
