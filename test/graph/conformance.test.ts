/** The shared provider conformance suite, run against GraphProvider + the Graph emulator. */
import { providerConformance } from '../providers/conformance.js';
import { graphFixture } from './support/emulator-fixture.js';

providerConformance('graph (emulator)', graphFixture, {
  // Graph has no floating time: a floating hub time is written in the configured zone.
  timeForms: ['date', 'utc', 'zoned'],
  // A foreign Outlook client cannot carry WedSync's wedding fields; our own writes do (snapshot).
  carriesWeddingFields: false,
});
