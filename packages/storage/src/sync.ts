/**
 * `@inventory/storage/sync`: offline-first sync between a browser's local database and the
 * server's, through named mutators that run on both (see docs/sync.md).
 *
 * @module
 */
export { defineMutators, type Mutator, type MutatorArgs, type Mutators } from './sync/define-mutators.js'
export {
  createSyncClient,
  type RejectedMutation,
  type SyncClient,
  type SyncClientOptions,
  type SyncStatus,
} from './sync/sync-client.js'
export {
  type CompactOptions,
  type CompactResult,
  createSyncServer,
  type SyncServer,
  type SyncServerOptions,
} from './sync/sync-server.js'
