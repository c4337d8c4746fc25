/**
 * Every fast-check property in `npm test` runs on one fixed seed (`FC_SEED` to change it), so a CI run
 * is reproducible: a failure prints a seed and path that replay it, and CI never goes red on a random
 * draw that nobody can replay. Exploring new seeds is `npm run test:model`'s job, not CI's.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 20261207) });
