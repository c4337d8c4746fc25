/** The sync engine's public surface: what the CLI, the server and the queue handlers call. */
export { syncCalendar, type SyncDeps, type SyncLogger, type SyncOptions, type SyncProgress, type SyncReport, type SyncTarget } from './engine.js';
export { resolveConflict, type ConflictChoice } from './resolve.js';
export { describe as describeAction, type SyncAction } from './actions.js';
export { DEFAULT_GUARDS, type GuardOptions } from './guards.js';
export type { ItemError } from './execute.js';
export type { SyncCounts } from './report.js';
