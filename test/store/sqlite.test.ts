import { storeConformance } from './conformance.js';
import { sqliteBackend } from './harness.js';

storeConformance(sqliteBackend);
