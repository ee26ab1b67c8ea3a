import { indexedDbAdapter } from '../adapters/indexeddb/indexed-db-adapter.js'
import { localStorageAdapter } from '../adapters/local-storage/local-storage-adapter.js'
import type { StorageAdapter } from '../core/storage-provider.js'
import type { AutoAdaptersOptions } from './auto-adapters-options.js'

/**
 * The candidate adapters for the runtime this bundle is built for. In browsers (and any runtime
 * without a more specific build): IndexedDB, then localStorage where IndexedDB does not open.
 *
 * @param options - the database name (and, for other runtimes, the D1 binding or file directory)
 * @example
 * ```ts
 * import { createStorage } from '@inventory/storage'
 * import { autoAdapters } from '@inventory/storage/auto'
 *
 * const storage = await createStorage<Database>({ adapters: autoAdapters({ name: 'inventory' }), debug: true })
 * ```
 */
export function autoAdapters(options: AutoAdaptersOptions): StorageAdapter[] {
  return [indexedDbAdapter({ name: options.name }), localStorageAdapter({ name: options.name })]
}
