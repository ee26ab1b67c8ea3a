/**
 * The `local-storage` adapter: SQLite compiled to WASM running in the page, its pages packed densely
 * into `localStorage`, committed atomically, safe across tabs.
 *
 * @module
 */
export { deleteLocalStorageDatabase } from './adapters/local-storage/delete-local-storage-database.js'
export {
  type LocalStorageAdapterOptions,
  localStorageAdapter,
  localStorageKeyPrefix,
} from './adapters/local-storage/local-storage-adapter.js'
export type { StorageChange, StorageEventTarget } from './adapters/local-storage/storage-event-channel.js'
export { InPageLockManager } from './browser/in-page-lock-manager.js'
export type { WebLockManager } from './browser/tab-coordination.js'
