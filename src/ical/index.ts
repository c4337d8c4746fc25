/** The iCalendar codec: parse, serialize, recurrence expansion and the corpus round-trip check. */
export type { IcalProblem, IcalProblemCode, ParseOptions, ParsedCalendar, ParsedItem } from './parse.js';
export { parseIcal } from './parse.js';
export type { SerializeOptions } from './serialize.js';
export { CALSYNC_PRODID, serializeIcal } from './serialize.js';
export type { JCalComponent, JCalParams, JCalProperty } from './jcal.js';
export type { ExpandOptions, Expansion, Occurrence } from './recurrence.js';
export { expandOccurrences } from './recurrence.js';
export type { CorpusFileResult, CorpusOptions, CorpusReport, CorpusStatus } from './corpus.js';
export { formatCorpusReport, runCorpus } from './corpus.js';
export type { RoundTrip } from './roundtrip.js';
export { roundTripIcal } from './roundtrip.js';
