/**
 * The `indexeddb` adapter: SQLite compiled to WASM running in the page, its pages stored in
 * IndexedDB, safe across tabs.
 *
 * @module
 */
export { deleteIndexedDbDatabase } from './adapters/indexeddb/delete-indexed-db-database.js'
export { type IndexedDbAdapterOptions, indexedDbAdapter } from './adapters/indexeddb/indexed-db-adapter.js'
export type { IndexedDbDurability } from './adapters/indexeddb/indexed-db-page-store.js'
export { InPageLockManager } from './browser/in-page-lock-manager.js'
export type { ChangeChannel, WebLockManager } from './browser/tab-coordination.js'
