/** The memory provider: an in-process calendar server with fault injection, and a provider over it. */
export { MemoryCalendarServer, DEFAULT_ACCOUNT, type MemoryServerOptions, type AddCalendarOptions } from './memory-calendar-server.js';
export { MemoryProvider, remoteIdForUid, type MemoryProviderOptions } from './memory-provider.js';
export { MemoryOtherClient, type OtherCreateOptions } from './memory-other-client.js';
export { FaultPlan, SERVER_OPERATIONS, type ServerOperation, type OperationSelector, type InjectedError, type FaultOptions, type RaceOptions } from './faults.js';
export { stampLikeCalDav, type StoredCopyRewrite, type RewriteContext } from './stored-copy.js';
