/**
 * The sync cursor the engine stores for a Graph calendar: the deltaLink (reused whole, as Graph asks)
 * and the etag of every recurring series seen. The series list is what lets a delta that only says
 * "occurrence X was removed" be turned into "series Y changed": Graph's @removed entries carry no
 * series id, so we re-check the (few) known series whenever something was removed.
 */
import { decodeOpaqueCursor, encodeOpaqueCursor, invalidCursor } from '../opaque-cursor.js';

export interface GraphCursor {
  deltaLink: string;
  /** Series master id → item etag at the time of the cursor. */
  series: Record<string, string>;
  /** Start of the delta window (ms): the window is refreshed once it lags too far behind. */
  windowFromMs: number;
}

const PREFIX = 'graph1.';

const WHAT = 'Graph sync cursor';

export function encodeCursor(cursor: GraphCursor): string {
  return encodeOpaqueCursor(PREFIX, cursor);
}

export function decodeCursor(text: string): GraphCursor {
  const c = decodeOpaqueCursor(PREFIX, text, WHAT) as Partial<GraphCursor> | null;
  if (!c || typeof c.deltaLink !== 'string' || !/^https?:\/\//.test(c.deltaLink) || typeof c.series !== 'object' || c.series === null) throw invalidCursor(WHAT);
  if (typeof c.windowFromMs !== 'number' || !Number.isFinite(c.windowFromMs)) throw invalidCursor(WHAT);
  for (const value of Object.values(c.series)) if (typeof value !== 'string') throw invalidCursor(WHAT);
  return { deltaLink: c.deltaLink, series: c.series, windowFromMs: c.windowFromMs };
}
