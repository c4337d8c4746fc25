/**
 * Child process for the concurrent start-up test: opens the store in the data dir given as argv[2],
 * makes sure the default tenant exists, prints its id and exits.
 */
import { openStore } from '../../../src/store/open.js';

const store = await openStore({ dataDir: process.argv[2] ?? '.' });
const tenant = await store.tenants.ensureDefault();
await store.close();
process.stdout.write(tenant.id);
