/** The memory provider passes the provider conformance suite, with and without server rewrites. */
import { providerConformance } from './conformance.js';
import { memoryFixture } from './memory-fixture.js';

providerConformance('memory (rewriting stored copies like a CalDAV server)', async () => memoryFixture());
providerConformance('memory (verbatim stored copies)', async () => memoryFixture({ rewrite: false }));
providerConformance('memory (no incremental sync)', async () => memoryFixture({}, { incremental: false }));
