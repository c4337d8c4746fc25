/** Our single-value extended properties on a Graph event (see constants.ts for why there are two). */
import { HUB_ID_PROPERTY, MODEL_PROPERTY, UID_PROPERTY } from '../constants.js';
import type { GraphEvent, GraphExtendedProperty } from '../graph-types.js';

function propertyValue(event: GraphEvent, id: string): string | undefined {
  // Graph normalizes the id's casing (`String {guid} Name x`), so compare case-insensitively.
  const wanted = id.toLowerCase();
  const found = event.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === wanted);
  return found?.value || undefined;
}

export const hubIdOf = (event: GraphEvent): string | undefined => propertyValue(event, HUB_ID_PROPERTY);
export const ourUidOf = (event: GraphEvent): string | undefined => propertyValue(event, UID_PROPERTY);
export const snapshotTextOf = (event: GraphEvent): string | undefined => propertyValue(event, MODEL_PROPERTY);

/** Our properties for a write; `snapshot` is the model JSON (omitted when too large to store). */
export function ourProperties(hubId: string, uid: string, snapshot?: string): GraphExtendedProperty[] {
  return [
    { id: HUB_ID_PROPERTY, value: hubId },
    { id: UID_PROPERTY, value: uid },
    // An empty value clears a snapshot an earlier write left, so a stale one is never trusted.
    { id: MODEL_PROPERTY, value: snapshot ?? '' },
  ];
}
